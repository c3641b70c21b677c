#!/usr/bin/env bash
# A private Postfix for the tests: it takes mail for one domain over SMTP and hands every
# message to Parley through contrib/postfix/parley-deliver, as docs/email.md tells a user to.
#
#   tests/support/postfix.sh ensure                              # install Debian's postfix if missing
#   tests/support/postfix.sh start DIR SMTP_PORT INBOUND_URL DOMAIN
#   tests/support/postfix.sh flush DIR                           # retry deferred mail now
#   tests/support/postfix.sh stop DIR
#
# Everything of an instance lives under DIR: DIR/etc (main.cf, master.cf), DIR/spool (queue),
# DIR/data, and its log DIR/log/maillog (show it when a test fails). It listens on
# 127.0.0.1:SMTP_PORT only; several instances (other DIRs and ports) run side by side. It never
# touches /etc/postfix or the system's instance. Needs root (Postfix's master runs as root and
# the pipe switches to the user nobody), and a DIR that every user can enter (its parents not
# 0700: the daemons run as postfix). Starting an instance that runs restarts it; its queue is
# kept. Quiet on success; on failure, a message on stderr (with the log's tail) and exit 1.
#
# Why `postfix -c DIR/etc` works without listing DIR/etc in alternate_config_directories of
# /etc/postfix/main.cf: that list is only checked for set-gid commands (postdrop, postqueue)
# run by someone other than root; root may name any configuration directory. So the default
# configuration is never edited (it may not even exist: "No configuration" install).
set -euo pipefail

export PATH="/usr/sbin:/usr/bin:/sbin:/bin:${PATH:-}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
deliver="$(cd "$here/../.." && pwd -P)/contrib/postfix/parley-deliver"

die() {
    echo "postfix.sh: $*" >&2
    exit 1
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (Postfix's master and the pipe user switch need it)"
}

need_postfix() {
    [[ -x /usr/sbin/postfix ]] || die "postfix is not installed: run tests/support/postfix.sh ensure"
}

# Installs Debian's postfix without configuring the system's instance: with "No
# configuration" the package writes no /etc/postfix/main.cf, and its init script starts
# nothing without one. Should a leftover main.cf have let it start anyway, it is stopped, so
# nothing is left on port 25.
ensure() {
    need_root
    [[ -x /usr/sbin/postfix ]] && return 0
    local log
    log=$(mktemp)
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix \
        >"$log" 2>&1; then
        # A fresh machine may have no package lists yet.
        if ! { apt-get update && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends postfix; } >>"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            die "could not install postfix"
        fi
    fi
    rm -f "$log"
    if [[ -f /etc/postfix/main.cf ]] && postfix status >/dev/null 2>&1; then
        postfix stop >/dev/null 2>&1 || die "the system's Postfix started on install and will not stop"
    fi
}

running() { # DIR
    [[ -f $1/etc/main.cf ]] && postfix -c "$1/etc" status >/dev/null 2>&1
}

show_log() { # DIR
    if [[ -s $1/log/maillog ]]; then
        echo "--- $1/log/maillog (last 40 lines) ---" >&2
        tail -n 40 "$1/log/maillog" >&2
    fi
}

stop() { # DIR
    need_root
    need_postfix
    local dir=$1
    [[ -d $dir ]] || return 0
    dir=$(cd "$dir" && pwd -P)
    running "$dir" || return 0
    local out
    # postfix stop waits for the master to exit (kill -9 after 5 s), so the port is free after.
    if ! out=$(postfix -c "$dir/etc" stop 2>&1); then
        echo "$out" >&2
        die "could not stop the Postfix of $dir"
    fi
}

start() { # DIR SMTP_PORT INBOUND_URL DOMAIN
    need_root
    need_postfix
    local dir=$1 port=$2 url=$3 domain=$4
    if ! [[ $port =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
        die "bad SMTP port: $port"
    fi
    port=$((10#$port))
    [[ $url =~ ^https?://[^[:space:]]+$ ]] || die "bad inbound URL: $url"
    [[ $domain =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || die "bad domain: $domain"
    [[ -x $deliver ]] || die "missing or not executable: $deliver"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    [[ $dir =~ ^/[^[:space:]]+$ ]] || die "DIR must have no spaces: $dir"
    chmod 755 "$dir"
    # The daemons run as the user postfix and open files under DIR by absolute path.
    runuser -u postfix -- test -x "$dir" 2>/dev/null ||
        die "the user postfix cannot enter $dir: a parent directory is private (a mktemp -d? chmod 755 it)"

    # Starting twice is a restart with the new settings (the queue is kept).
    stop "$dir"
    # Postfix's master binds with SO_REUSEPORT, so a second instance on a taken port would
    # start "fine" and share the connections: refuse a port that something answers on.
    if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
        die "127.0.0.1:$port is already in use"
    fi

    # Postfix wants root to own its configuration and queue directories, and nobody else to
    # write them; post-install (run by `postfix start`) creates the queue's subdirectories.
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/log"
    chown root:root "$dir" "$dir/etc" "$dir/spool" "$dir/log"
    chmod 755 "$dir" "$dir/etc" "$dir/spool" "$dir/log"
    chown postfix: "$dir/data"
    chmod 700 "$dir/data"

    # The pipe runs the script as nobody: if nobody cannot reach the repository's copy (a
    # checkout under /root, say), use a copy under DIR.
    local script=$deliver
    if ! runuser -u nobody -- test -r "$script" -a -x "$script" 2>/dev/null; then
        script="$dir/parley-deliver"
        install -m 755 -o root -g root "$deliver" "$script"
        runuser -u nobody -- test -r "$script" -a -x "$script" 2>/dev/null ||
            die "the user nobody cannot run $script: put DIR where every user can enter"
    fi

    cat >"$dir/etc/main.cf" <<EOF
# Written by tests/support/postfix.sh: a private Postfix that hands mail for $domain to Parley.
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file = $dir/log/maillog
maillog_file_prefixes = $dir/log

# The part of docs/email.md that a real installation adds to its main.cf.
relay_domains = $domain
transport_maps = inline:{ $domain=parley: }
parley_destination_recipient_limit = 1

# Only for this test instance: a host of its own that delivers nowhere but to Parley, from
# 127.0.0.1, with no DNS (the machine has no network), and quick retries.
myhostname = postfix.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 this instance has no local mailboxes
alias_maps =
alias_database =
default_transport = error:5.7.1 this instance only delivers to Parley
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
biff = no
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 60s
EOF

    # No chroot (it would need copies of /etc files in the queue); only the services needed.
    cat >"$dir/etc/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$port inet n  -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
# Parley (docs/email.md): no "From " line (no F flag); D and O add Delivered-To and
# X-Original-To, which need one recipient per delivery (parley_destination_recipient_limit).
parley    unix  -       n       n       -       -       pipe
  flags=DO user=nobody argv=$script $url
EOF
    # Postfix re-reads a main.cf changed less than 2 s ago every 300 ms until it is older (in
    # case an editor is still writing it): dating the files back saves ~2 s per command.
    touch -d '-1 minute' "$dir/etc/main.cf" "$dir/etc/master.cf"

    local out
    if ! out=$(postfix -c "$dir/etc" check 2>&1) || [[ -n $out ]]; then
        # Warnings are not fatal to Postfix, but here they mean this script is wrong.
        echo "$out" >&2
        show_log "$dir"
        die "postfix check failed for $dir/etc"
    fi
    # `postfix start` waits until the master runs and listens (master -w); a port in use fails here.
    if ! out=$(postfix -c "$dir/etc" start 2>&1); then
        echo "$out" >&2
        show_log "$dir"
        die "Postfix did not start (config $dir/etc, port $port)"
    fi
    if ! running "$dir"; then
        show_log "$dir"
        die "Postfix exited right after starting (config $dir/etc)"
    fi
}

flush() { # DIR
    need_root
    need_postfix
    local dir
    dir=$(cd "$1" && pwd -P) || die "no such directory: $1"
    running "$dir" || die "no Postfix runs for $dir"
    postqueue -c "$dir/etc" -f
}

case ${1:-} in
    ensure) [[ $# -eq 1 ]] || die "usage: $0 ensure"; ensure ;;
    start) [[ $# -eq 5 ]] || die "usage: $0 start DIR SMTP_PORT INBOUND_URL DOMAIN"; start "$2" "$3" "$4" "$5" ;;
    stop) [[ $# -eq 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
    flush) [[ $# -eq 2 ]] || die "usage: $0 flush DIR"; flush "$2" ;;
    *) die "usage: $0 ensure | start DIR SMTP_PORT INBOUND_URL DOMAIN | stop DIR | flush DIR" ;;
esac
