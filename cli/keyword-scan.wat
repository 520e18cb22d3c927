;; The CLI's byte prefilter (line-scanner.ts) in WebAssembly, reading 16 bytes at a time, over a chunk of a file
;; at the start of memory. No function reads outside the range it is given.
;;
;;   find(from, to)      where `refused port ` or `refused eprt ` (ASCII letters in any case, the spaces exact)
;;                       first starts in [from, to) with all 13 bytes inside it, or -1 (a test holds it to a
;;                       case-insensitive regular expression).
;;   newlines(from, to)  how many newline bytes [from, to) holds.
;;   lineStart(at, from) where the line holding `at` starts: after the last newline before `at`, or `from`.
;;   lineEnd(at, to)     the first newline at or after `at`, or `to`.
;;
;; Built into keyword-scan.wasm.ts by `npx tsx scripts/build-wasm.ts`; a test checks that the two agree.
(module
  (memory (export "memory") 1)

  ;; The keyword at p: `refused ` with its letters folded to lower case (| 0x20) and the space exact, then `port`
  ;; or `eprt` folded, then a space.
  (func $isKeyword (param $p i32) (result i32)
    (local $word i32)
    (if (i64.ne (i64.or (i64.load align=1 (local.get $p)) (i64.const 0x0020202020202020)) (i64.const 0x2064657375666572))
      (then (return (i32.const 0))))
    (local.set $word (i32.or (i32.load offset=8 align=1 (local.get $p)) (i32.const 0x20202020)))
    (i32.and
      (i32.or (i32.eq (local.get $word) (i32.const 0x74726f70)) (i32.eq (local.get $word) (i32.const 0x74727065)))
      (i32.eq (i32.load8_u offset=12 (local.get $p)) (i32.const 32))))

  (func (export "find") (param $p i32) (param $to i32) (result i32)
    (local $last i32) (local $bits i32) (local $at i32)
    (local.set $last (i32.sub (local.get $to) (i32.const 13))) ;; the last start with room for all 13 bytes
    (block $tail
      (loop $block
        ;; Positions p..p+15 all at most $last: test them together, by their first (`r`) and twelfth (`t`) bytes.
        (br_if $tail (i32.gt_s (i32.add (local.get $p) (i32.const 15)) (local.get $last)))
        (local.set $bits
          (i8x16.bitmask
            (v128.and
              (i8x16.eq
                (v128.or (v128.load align=1 (local.get $p)) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                (v128.const i8x16 114 114 114 114 114 114 114 114 114 114 114 114 114 114 114 114))
              (i8x16.eq
                (v128.or (v128.load offset=11 align=1 (local.get $p)) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                (v128.const i8x16 116 116 116 116 116 116 116 116 116 116 116 116 116 116 116 116)))))
        (block $next
          (loop $candidate
            (br_if $next (i32.eqz (local.get $bits)))
            (local.set $at (i32.add (local.get $p) (i32.ctz (local.get $bits))))
            (if (call $isKeyword (local.get $at)) (then (return (local.get $at))))
            (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
            (br $candidate)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $block)))
    (block $done
      (loop $byte
        (br_if $done (i32.gt_s (local.get $p) (local.get $last)))
        (if (call $isKeyword (local.get $p)) (then (return (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $byte)))
    (i32.const -1))

  (func (export "newlines") (param $p i32) (param $to i32) (result i32)
    (local $count i32)
    (block $tail
      (loop $block
        (br_if $tail (i32.gt_s (i32.add (local.get $p) (i32.const 16)) (local.get $to)))
        (local.set $count
          (i32.add (local.get $count)
            (i32.popcnt
              (i8x16.bitmask
                (i8x16.eq (v128.load align=1 (local.get $p)) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $block)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_s (local.get $p) (local.get $to)))
        (local.set $count (i32.add (local.get $count) (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $byte)))
    (local.get $count))

  (func (export "lineStart") (param $p i32) (param $from i32) (result i32)
    (block $done
      (loop $byte
        (br_if $done (i32.le_s (local.get $p) (local.get $from)))
        (br_if $done (i32.eq (i32.load8_u offset=0 (i32.sub (local.get $p) (i32.const 1))) (i32.const 10)))
        (local.set $p (i32.sub (local.get $p) (i32.const 1)))
        (br $byte)))
    (local.get $p))

  (func (export "lineEnd") (param $p i32) (param $to i32) (result i32)
    (block $done
      (loop $byte
        (br_if $done (i32.ge_s (local.get $p) (local.get $to)))
        (br_if $done (i32.eq (i32.load8_u (local.get $p)) (i32.const 10)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $byte)))
    (local.get $p))
)
