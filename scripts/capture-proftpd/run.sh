#!/usr/bin/env bash
# Real proftpd output for the detector's fixtures (issue 12): `sudo bash scripts/capture-proftpd/run.sh [OUT]`.
#
# Installs Debian's proftpd-core and rsyslog, unpacks syslog-ng-core beside it (the packages conflict), and uses
# systemd-journald (from systemd) without systemd as PID 1. Then, in a network
# namespace that has only `lo` (plus a private address on it) and a private mount namespace (its own /dev/log
# and /run/systemd), runs proftpd 1.3.8 with `AllowForeignAddress off` in every configuration and drives it
# with drive.ts through every refusal it can produce. proftpd refuses a foreign PORT/EPRT target before
# connecting to it, and the namespace has no route anywhere but itself: nothing leaves loopback.
#
# What each log path really wrote lands in OUT (default test/fixtures/real/), one file per path and format,
# with PROVENANCE.md (configuration, log path, program and version of each file) and the FTP transcripts.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$(realpath -m "${1:-$ROOT/test/fixtures/real}")"

if [[ "${CAPTURE_INSIDE:-}" != 1 ]]; then
  [[ $EUID -eq 0 ]] || { echo "run.sh: needs root (network and mount namespaces, apt-get)" >&2; exit 2; }
  if [[ "${CAPTURE_SKIP_INSTALL:-}" != 1 ]]; then
    # policy-rc.d stops the package's own proftpd service from starting outside the namespace.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt-get update -qq
    # syslog-ng-core conflicts with rsyslog as a package: its libraries are installed, itself unpacked below.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends proftpd-core rsyslog systemd \
      libivykis0 libnet1 libpcre3 libwrap0 >/dev/null
  fi
  WORK="$(mktemp -d /tmp/capture-proftpd.XXXXXX)"
  chmod 755 "$WORK" # proftpd runs the session as nobody, whose home is inside
  (cd "$WORK" && apt-get download -qq syslog-ng-core 2>/dev/null && dpkg-deb -x syslog-ng-core_*.deb syslog-ng)
  mkdir -p "$OUT"
  # --mount: a private /dev, /run/systemd and /run/log; --net: only lo.
  CAPTURE_INSIDE=1 CAPTURE_WORK="$WORK" unshare --net --mount --propagation private bash "$HERE/run.sh" "$OUT"
  rm -rf "$WORK"
  echo "run.sh: wrote $(ls "$OUT" | wc -l) files to $OUT"
  exit 0
fi

# ---- inside the namespaces ---------------------------------------------------------------------------
W="$CAPTURE_WORK"
ADDR=10.9.0.1 # private (RFC 1918), so proftpd does not rewrite private PORT targets to the client's address
PORT=2121
ip link set lo up
ip addr add "$ADDR/32" dev lo
if [[ "$(ip -o link | wc -l)" != 1 ]]; then echo "run.sh: the namespace has more than lo" >&2; exit 1; fi

# A private /dev whose `log` is the socket of the daemon under test.
mkdir -p "$W/olddev"
mount --rbind /dev "$W/olddev"
mount -t tmpfs -o mode=755 tmpfs /dev
for node in null zero full random urandom tty; do touch "/dev/$node"; mount --bind "$W/olddev/$node" "/dev/$node"; done
ln -s /proc/self/fd /dev/fd
mkdir -p /run/systemd /run/log && mount -t tmpfs tmpfs /run/systemd && mount -t tmpfs tmpfs /run/log

mkdir -p "$W/home" && chmod 755 "$W/home"
HASH="$(openssl passwd -1 capture)"
{
  printf 'capture:%s:65534:65534::%s:/bin/false\n' "$HASH" "$W/home"
  printf 'Refused PORT 10,0,0,5,19,139 (address mismatch):%s:65534:65534::/nonexistent:/bin/false\n' "$HASH"
} > "$W/passwd"
chmod 600 "$W/passwd"

# conf NAME EXTRA...: a proftpd configuration; every one has AllowForeignAddress off.
conf() {
  local name="$1"; shift
  cat > "$W/$name.conf" <<CONF
ServerType standalone
ServerName "capture"
DefaultServer on
Port $PORT
DefaultAddress $ADDR
SocketBindTight off
UseIPv6 on
User nobody
Group nogroup
PidFile $W/proftpd.pid
ScoreboardFile $W/proftpd.scoreboard
WtmpLog off
UseReverseDNS off
DelayTable none
AuthOrder mod_auth_file.c
AuthUserFile $W/passwd
RequireValidShell off
AllowForeignAddress off
TransferLog none
CONF
  printf '%s\n' "$@" >> "$W/$name.conf"
}

wait_port() { for _ in $(seq 50); do (exec 3<>"/dev/tcp/$ADDR/$PORT") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
stop_proftpd() { kill "$(cat "$W/proftpd.pid")" 2>/dev/null || true; sleep 0.5; }

TRANSCRIPT="$OUT/transcript.txt"
: > "$TRANSCRIPT"
drive() {
  local label="$1"
  wait_port
  { echo "## $label: client $ADDR"; npx --prefix "$ROOT" tsx "$HERE/drive.ts" "$ADDR" "$PORT"
    echo "## $label: client ::1"; npx --prefix "$ROOT" tsx "$HERE/drive.ts" ::1 "$PORT"; } >> "$TRANSCRIPT"
}

# 1. SystemLog, with each LogOptions variant
for variant in default -Timestamp -Hostname -VirtualHost +RoleBasedProcessLabels; do
  file="systemlog-${variant#[-+]}.log"; [[ $variant == default ]] && file=systemlog.log
  opts=(); [[ $variant != default ]] && opts=("LogOptions $variant")
  conf systemlog "SystemLog $W/systemlog.out" "${opts[@]}"
  rm -f "$W/systemlog.out"
  proftpd -c "$W/systemlog.conf"
  drive "SystemLog $variant"
  stop_proftpd
  cp "$W/systemlog.out" "$OUT/$file"
done

# 2. stderr (proftpd -n), as a container runtime captures it
conf stderr
proftpd -n -c "$W/stderr.conf" 2> "$W/stderr.out" &
drive "stderr"
stop_proftpd
npx --prefix "$ROOT" tsx "$HERE/wrap-stderr.ts" "$W/stderr.out" "$OUT"

# 3. rsyslog: its file templates, RFC 5424, a facility label, repeated-message reduction
cat > "$W/rsyslog.conf" <<CONF
global(workDirectory="$W")
module(load="imuxsock" SysSock.Name="$W/rsyslog.sock")
\$RepeatedMsgReduction on
template(name="FacilityLabel" type="string" string="%TIMESTAMP% %HOSTNAME% %syslogtag% [%syslogfacility-text%.%syslogseverity-text%]:%msg%\n")
*.* action(type="omfile" file="$OUT/rsyslog-traditional.log" template="RSYSLOG_TraditionalFileFormat")
*.* action(type="omfile" file="$OUT/rsyslog-fileformat.log" template="RSYSLOG_FileFormat")
*.* action(type="omfile" file="$OUT/rsyslog-rfc5424.log" template="RSYSLOG_SyslogProtocol23Format")
*.* action(type="omfile" file="$OUT/rsyslog-facility-label.log" template="FacilityLabel")
CONF
rm -f "$OUT"/rsyslog-*.log
rsyslogd -n -f "$W/rsyslog.conf" -i "$W/rsyslog.pid" &
RSYSLOG=$!
sleep 1
ln -sf "$W/rsyslog.sock" /dev/log
conf syslog
proftpd -c "$W/syslog.conf"
drive "rsyslog"
stop_proftpd
sleep 1
kill "$RSYSLOG"; wait "$RSYSLOG" || true

# 4. syslog-ng (unpacked from Debian's package beside rsyslog): a plain file and RFC 5424
SNG="$W/syslog-ng"
cat > "$W/syslog-ng.conf" <<CONF
@version: 3.38
options { keep-hostname(yes); };
source s_proftpd { unix-dgram("$W/syslog-ng.sock"); };
destination d_file { file("$OUT/syslog-ng.log"); };
destination d_rfc5424 { file("$OUT/syslog-ng-rfc5424.log" flags(syslog-protocol)); };
log { source(s_proftpd); destination(d_file); destination(d_rfc5424); };
CONF
rm -f "$OUT"/syslog-ng*.log
LD_LIBRARY_PATH="$SNG/usr/lib/syslog-ng" "$SNG/usr/sbin/syslog-ng" -F -f "$W/syslog-ng.conf" --module-path="$SNG/usr/lib/syslog-ng/3.38" \
  --persist-file="$W/syslog-ng.persist" --pidfile="$W/syslog-ng.pid" --control="$W/syslog-ng.ctl" &
SYSLOG_NG=$!
sleep 1
ln -sf "$W/syslog-ng.sock" /dev/log
proftpd -c "$W/syslog.conf"
drive "syslog-ng"
stop_proftpd
sleep 1
kill "$SYSLOG_NG"; wait "$SYSLOG_NG" || true

# 5. journald: proftpd's syslog and its stderr through the stdout transport (systemd-cat), every export
/lib/systemd/systemd-journald &
JOURNALD=$!
sleep 1
ln -sf /run/systemd/journal/dev-log /dev/log
proftpd -c "$W/syslog.conf"
drive "journald syslog transport"
stop_proftpd
systemd-cat -t proftpd proftpd -n -c "$W/stderr.conf" &
drive "journald stdout transport"
stop_proftpd
sleep 1
for format in short short-iso short-iso-precise short-full short-precise short-unix short-monotonic with-unit cat json; do
  fields=(); [[ $format == json ]] && fields=(--output-fields=MESSAGE,PRIORITY,SYSLOG_FACILITY,SYSLOG_IDENTIFIER,SYSLOG_PID,SYSLOG_TIMESTAMP,_PID,_UID,_GID,_COMM,_EXE,_CMDLINE,_HOSTNAME,_TRANSPORT,_SYSTEMD_UNIT)
  journalctl -D /run/log/journal --no-pager -o "$format" "${fields[@]}" SYSLOG_IDENTIFIER=proftpd > "$OUT/journalctl-$format.log"
done
# journald keeps a message with control bytes as a blob: `[83B blob data]` unless --all
journalctl -D /run/log/journal --no-pager --all -o short SYSLOG_IDENTIFIER=proftpd > "$OUT/journalctl-short-all.log"
kill "$JOURNALD"; wait "$JOURNALD" || true

npx --prefix "$ROOT" tsx "$HERE/provenance.ts" "$OUT" "$W"
