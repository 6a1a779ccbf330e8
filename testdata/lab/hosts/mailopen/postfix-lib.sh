# shellcheck shell=bash
# Shared by the mail* lab hosts: one private Postfix instance per host, with
# its own config, queue and data directories under $RUN_DIR. Delivery is
# impossible by construction: every transport is "discard", relayhost is
# empty, and the instance listens only on the host's lab addresses.
#
#   postfix_instance MYHOSTNAME MAIN_EXTRA [MASTER_EXTRA]

postfix_instance() {
	local myhost=$1 main_extra=$2 master_extra=${3:-}
	local conf=$RUN_DIR/postfix q=$RUN_DIR/queue d=$RUN_DIR/data ifs=$ADDR4
	has_ipv6 && ifs="$ADDR4, $ADDR6"
	mkdir -p "$conf" "$q" "$d"
	chown postfix:postfix "$d"
	cat >"$conf/main.cf" <<-CF
		compatibility_level = 3.6
		queue_directory = $q
		data_directory = $d
		mail_owner = postfix
		setgid_group = postdrop
		myhostname = $myhost
		mydomain = ${myhost#*.}
		myorigin = \$myhostname
		mydestination = \$myhostname, localhost
		inet_interfaces = $ifs
		inet_protocols = all
		mynetworks = 127.0.0.0/8
		relayhost =
		default_transport = discard
		relay_transport = discard
		local_transport = discard
		alias_maps =
		alias_database =
		local_recipient_maps =
		smtpd_peername_lookup = no
		smtp_dns_support_level = disabled
		biff = no
		smtpd_banner = \$myhostname ESMTP Postfix (sdn-lab)
		maillog_file = $RUN_DIR/maillog
		maillog_file_prefixes = $RUN_DIR
		smtpd_soft_error_limit = 50
		smtpd_hard_error_limit = 100
		$main_extra
	CF
	cat >"$conf/master.cf" <<-CF
		smtp      inet  n       -       n       -       -       smtpd
		cleanup   unix  n       -       n       -       0       cleanup
		qmgr      unix  n       -       n       300     1       qmgr
		tlsmgr    unix  -       -       n       1000?   1       tlsmgr
		rewrite   unix  -       -       n       -       -       trivial-rewrite
		bounce    unix  -       -       n       -       0       bounce
		defer     unix  -       -       n       -       0       bounce
		trace     unix  -       -       n       -       0       bounce
		verify    unix  -       -       n       -       1       verify
		proxymap  unix  -       -       n       -       -       proxymap
		showq     unix  n       -       n       -       -       showq
		error     unix  -       -       n       -       -       error
		retry     unix  -       -       n       -       -       error
		discard   unix  -       -       n       -       -       discard
		anvil     unix  -       -       n       -       1       anvil
		scache    unix  -       -       n       -       1       scache
		postlog   unix-dgram n  -       n       -       1       postlogd
		$master_extra
	CF
	postfix -c "$conf" check
	spawn postfix postfix -c "$conf" start-fg
}

# tls_cert NAME: a self-signed certificate for NAME in $RUN_DIR/tls-{key,cert}.pem.
tls_cert() {
	[[ -f $RUN_DIR/tls-cert.pem ]] && return 0
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$1" \
		-addext "subjectAltName=DNS:$1" \
		-keyout "$RUN_DIR/tls-key.pem" -out "$RUN_DIR/tls-cert.pem" 2>/dev/null
	chmod 0640 "$RUN_DIR/tls-key.pem"
	chgrp postfix "$RUN_DIR/tls-key.pem"
}

# tls_ca_cert NAME: a lab CA ($RUN_DIR/ca.pem, valid 1 year) and a
# certificate for NAME it signed, in $RUN_DIR/tls-{key,cert}.pem (leaf then
# CA, so the chain is served in order). Scanners trust ca.pem with --ca-file.
tls_ca_cert() {
	[[ -f $RUN_DIR/tls-cert.pem ]] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
		-subj "/O=shindan lab/CN=$1 lab CA" -keyout "$RUN_DIR/ca-key.pem" -out "$RUN_DIR/ca.pem" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$RUN_DIR/tls-key.pem" \
		-out "$RUN_DIR/tls.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$1" >"$RUN_DIR/tls.ext"
	openssl x509 -req -in "$RUN_DIR/tls.csr" -CA "$RUN_DIR/ca.pem" -CAkey "$RUN_DIR/ca-key.pem" \
		-CAcreateserial -days 200 -sha256 -extfile "$RUN_DIR/tls.ext" -out "$RUN_DIR/leaf.pem" 2>/dev/null
	cat "$RUN_DIR/leaf.pem" "$RUN_DIR/ca.pem" >"$RUN_DIR/tls-cert.pem"
	chmod 0640 "$RUN_DIR/tls-key.pem"
	chgrp postfix "$RUN_DIR/tls-key.pem"
}

# sasl_db DOMAIN: Cyrus sasldb with one lab user, and the smtpd.conf that
# points at it; the Postfix lines go into MAIN_EXTRA by the caller.
sasl_db() {
	mkdir -p "$RUN_DIR/sasl"
	cat >"$RUN_DIR/sasl/smtpd.conf" <<-CF
		pwcheck_method: auxprop
		auxprop_plugin: sasldb
		sasldb_path: $RUN_DIR/sasldb2
		mech_list: PLAIN LOGIN
	CF
	echo "lab-password-not-secret" | saslpasswd2 -p -f "$RUN_DIR/sasldb2" -u "$1" -c labuser
	chown postfix:postfix "$RUN_DIR/sasldb2"
}
