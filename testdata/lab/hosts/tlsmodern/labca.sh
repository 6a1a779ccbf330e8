# shellcheck shell=bash
# The TLS lab CA, shared by tlsmodern and tlssmtp of one lab instance:
# created once per run in $LAB_RUN/tlsca (under a lock, hosts start in
# parallel) and copied to $RUN_DIR/ca.pem, which the tests pass as RootCAs.
#
#   lab_ca_leaf NAME   -> $RUN_DIR/leaf.key, $RUN_DIR/leaf.pem (ECDSA P-256,
#                         SANs: DNS:NAME, IP:$ADDR4, IP:$ADDR6), $RUN_DIR/ca.pem

lab_ca_leaf() {
	local name=$1 ca=${LAB_RUN:?}/tlsca
	mkdir -p "$ca"
	(
		flock 9
		if [[ ! -f $ca/ca.pem ]]; then
			openssl req -x509 -newkey rsa:2048 -nodes -days 365 -sha256 \
				-subj "/O=shindan lab/CN=shindan lab CA $SDN_LAB" \
				-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
				-keyout "$ca/ca.key" -out "$ca/ca.pem.tmp" 2>/dev/null
			mv "$ca/ca.pem.tmp" "$ca/ca.pem"
		fi
	) 9>"$LAB_RUN/tlsca.lock"
	cp "$ca/ca.pem" "$RUN_DIR/ca.pem"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$name" \
		-keyout "$RUN_DIR/leaf.key" -out "$RUN_DIR/leaf.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s,IP:%s%s\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' \
		"$name" "$ADDR4" "${ADDR6:+,IP:$ADDR6}" >"$RUN_DIR/leaf.ext"
	openssl x509 -req -sha256 -in "$RUN_DIR/leaf.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca.key" \
		-set_serial "0x$(openssl rand -hex 8)" -days 90 -extfile "$RUN_DIR/leaf.ext" -out "$RUN_DIR/leaf.pem" 2>/dev/null
}
