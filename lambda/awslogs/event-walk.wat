;; The walk over a batch's events (candidates.ts) in WebAssembly, reading 16 bytes at a time.
;;
;; `walk(start, end, maxEvents)` reads the ASCII bytes at the start of memory, from `start` (after `"logEvents":[`)
;; to `end` (the array's `]`), as a run of events in CloudWatch Logs' layout, each followed by `,` or by the final `]`:
;;
;;   {"id":"STRING","timestamp":TIMESTAMP,"message":"STRING"}
;;   STRING    = no `"`, `\` or byte below 0x20, except in one of JSON's escapes (\" \\ \/ \b \f \n \r \t \uXXXX)
;;   TIMESTAMP = 0, or 1 to 14 digits without a leading zero
;;
;; It returns the number of events, or -1 when the bytes are anything else; it stops as soon as the count exceeds
;; `maxEvents`, returning that count. With `out` not 0, it also writes one record per event there (8-byte aligned,
;; RECORD_BYTES = 24 each: the id's start and end, the message's start and end as i32, then the timestamp as f64),
;; for a caller that builds the events from the bytes. It accepts exactly what the regular expression EVENT in event-walk.ts does,
;; walked the same way. The caller writes at least 64 zero bytes after the text, so every read stays in memory and a
;; string never runs past the text unnoticed (a zero byte ends the scan as invalid).
;;
;; Built into event-walk.wasm.ts by `npx tsx scripts/build-wasm.ts`; a test checks that the two agree.
(module
  (memory (export "memory") 1)

  ;; 1 when c is an ASCII hex digit.
  (func $isHex (param $c i32) (result i32)
    (i32.or
      (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
      (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 32)) (i32.const 97)) (i32.const 6))))

  ;; The content of a JSON string starting at p: the offset of its closing quote, or -1.
  (func $string (param $p i32) (result i32)
    (local $bits i32) (local $c i32) (local $v v128)
    (loop $scan
      ;; One bit per byte that is a quote, a backslash or a control character.
      (local.set $v (v128.load align=1 (local.get $p)))
      (local.set $bits
        (i8x16.bitmask
          (v128.or
            (v128.or
              (i8x16.eq (local.get $v) (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
              (i8x16.eq (local.get $v) (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92)))
            (i8x16.lt_u (local.get $v) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))))
      (if (i32.eqz (local.get $bits))
        (then (local.set $p (i32.add (local.get $p) (i32.const 16))) (br $scan)))
      (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $bits))))
      (local.set $c (i32.load8_u (local.get $p)))
      (if (i32.eq (local.get $c) (i32.const 34)) (then (return (local.get $p))))
      ;; Not a quote nor a backslash: a control character, which JSON strings may not hold raw.
      (if (i32.ne (local.get $c) (i32.const 92)) (then (return (i32.const -1))))
      (local.set $c (i32.load8_u offset=1 (local.get $p)))
      (if (i32.eq (local.get $c) (i32.const 117)) ;; \uXXXX
        (then
          (if (i32.and
                (i32.and (call $isHex (i32.load8_u offset=2 (local.get $p))) (call $isHex (i32.load8_u offset=3 (local.get $p))))
                (i32.and (call $isHex (i32.load8_u offset=4 (local.get $p))) (call $isHex (i32.load8_u offset=5 (local.get $p)))))
            (then (local.set $p (i32.add (local.get $p) (i32.const 6))) (br $scan)))
          (return (i32.const -1))))
      ;; \" \\ \/ \b \f \n \r \t
      (if (i32.or
            (i32.or
              (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
              (i32.or (i32.eq (local.get $c) (i32.const 47)) (i32.eq (local.get $c) (i32.const 98))))
            (i32.or
              (i32.or (i32.eq (local.get $c) (i32.const 102)) (i32.eq (local.get $c) (i32.const 110)))
              (i32.or (i32.eq (local.get $c) (i32.const 114)) (i32.eq (local.get $c) (i32.const 116)))))
        (then (local.set $p (i32.add (local.get $p) (i32.const 2))) (br $scan)))
      (return (i32.const -1)))
    (unreachable))

  (func (export "walk") (param $p i32) (param $end i32) (param $max i32) (param $out i32) (result i32)
    (local $count i32) (local $c i32) (local $last i32) (local $idStart i32) (local $idEnd i32) (local $time i64)
    (loop $event
      ;; {"id":"  (7 bytes, little-endian, the 8th masked off)
      (if (i64.ne (i64.and (i64.load align=1 (local.get $p)) (i64.const 0x00ffffffffffffff)) (i64.const 0x00223a226469227b))
        (then (return (i32.const -1))))
      (local.set $idStart (i32.add (local.get $p) (i32.const 7)))
      (local.set $p (call $string (local.get $idStart)))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      (local.set $idEnd (local.get $p))
      ;; ","timestamp":  (14 bytes: two overlapping 8-byte reads)
      (if (i32.or
            (i64.ne (i64.load align=1 (local.get $p)) (i64.const 0x73656d6974222c22))
            (i64.ne (i64.load offset=6 align=1 (local.get $p)) (i64.const 0x3a22706d61747365)))
        (then (return (i32.const -1))))
      (local.set $p (i32.add (local.get $p) (i32.const 14)))
      (local.set $c (i32.load8_u (local.get $p)))
      (local.set $time (i64.const 0))
      (if (i32.eq (local.get $c) (i32.const 48))
        (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
        (else
          (if (i32.ge_u (i32.sub (local.get $c) (i32.const 49)) (i32.const 9)) (then (return (i32.const -1))))
          ;; At most 14 digits; a 15th fails the next literal, as in the regular expression.
          (local.set $last (i32.add (local.get $p) (i32.const 14)))
          (block $digits
            (loop $digit
              (br_if $digits (i32.ge_u (local.get $p) (local.get $last)))
              (local.set $c (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
              (br_if $digits (i32.ge_u (local.get $c) (i32.const 10)))
              (local.set $time (i64.add (i64.mul (local.get $time) (i64.const 10)) (i64.extend_i32_u (local.get $c))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $digit)))))
      ;; ,"message":"  (12 bytes)
      (if (i32.or
            (i64.ne (i64.load align=1 (local.get $p)) (i64.const 0x67617373656d222c))
            (i32.ne (i32.load offset=8 align=1 (local.get $p)) (i32.const 0x223a2265)))
        (then (return (i32.const -1))))
      (local.set $c (i32.add (local.get $p) (i32.const 12))) ;; the message's start
      (local.set $p (call $string (local.get $c)))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      (if (local.get $out)
        (then
          (i32.store (local.get $out) (local.get $idStart))
          (i32.store offset=4 (local.get $out) (local.get $idEnd))
          (i32.store offset=8 (local.get $out) (local.get $c))
          (i32.store offset=12 (local.get $out) (local.get $p))
          (f64.store offset=16 (local.get $out) (f64.convert_i64_u (local.get $time)))
          (local.set $out (i32.add (local.get $out) (i32.const 24)))))
      ;; "} then `,` or `]`
      (if (i32.ne (i32.load16_u align=1 (local.get $p)) (i32.const 0x7d22)) (then (return (i32.const -1))))
      (local.set $c (i32.load8_u offset=2 (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 3)))
      (if (i32.and (i32.ne (local.get $c) (i32.const 44)) (i32.ne (local.get $c) (i32.const 93)))
        (then (return (i32.const -1))))
      (local.set $count (i32.add (local.get $count) (i32.const 1)))
      (if (i32.gt_u (local.get $count) (local.get $max)) (then (return (local.get $count))))
      ;; A `]` must be the array's own; a `,` must leave an event to read before it.
      (if (i32.eq (local.get $c) (i32.const 93))
        (then
          (return (select (local.get $count) (i32.const -1) (i32.eq (local.get $p) (i32.add (local.get $end) (i32.const 1)))))))
      (if (i32.gt_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
      (br $event))
    (unreachable))
)
