package svcscan

import (
	"regexp"
	"slices"
	"strconv"
	"time"
)

// probe is one client-first protocol question.
type probe struct {
	name string
	fn   func(r *run, s *session, wait time.Duration) (result, bool)
}

// probes in their default order: common and cheap first.
var probes = []probe{
	{"http", (*run).probeHTTP},
	{"tls", (*run).probeTLS},
	{"redis", (*run).probeRedis},
	{"memcached", (*run).probeMemcached},
	{"mongodb", (*run).probeMongo},
	{"postgresql", (*run).probePostgres},
	{"ldap", (*run).probeLDAP},
	{"dns", (*run).probeDNS},
	{"smb", (*run).probeSMB},
	{"rdp", (*run).probeRDP},
}

// hints puts the probes a port suggests first; they also get the full
// reply deadline instead of the short one.
var hints = map[uint16][]string{
	53: {"dns"}, 80: {"http"}, 81: {"http"}, 88: {"http"}, 389: {"ldap"}, 3268: {"ldap"},
	443: {"tls"}, 465: {"tls"}, 636: {"tls", "ldap"}, 993: {"tls"}, 995: {"tls"}, 990: {"tls"},
	8443: {"tls"}, 4443: {"tls"}, 9443: {"tls"}, 5986: {"tls"}, 3269: {"tls", "ldap"},
	139: {"smb"}, 445: {"smb"}, 3389: {"rdp"}, 5432: {"postgresql"}, 6379: {"redis"},
	11211: {"memcached"}, 27017: {"mongodb"}, 27018: {"mongodb"}, 27019: {"mongodb"},
	8000: {"http"}, 8008: {"http"}, 8080: {"http"}, 8081: {"http"}, 8888: {"http"},
	9200: {"http"}, 9201: {"http"}, 5601: {"http"}, 5984: {"http"}, 5985: {"http"},
}

// probeOrder returns the hinted probes first, then the rest.
func probeOrder(port uint16) []probe {
	h := hints[port]
	out := make([]probe, 0, len(probes))
	for _, name := range h {
		for _, p := range probes {
			if p.name == name {
				out = append(out, p)
			}
		}
	}
	for _, p := range probes {
		if !slices.Contains(h, p.name) {
			out = append(out, p)
		}
	}
	return out
}

func (r *run) httpRequest(path string) string {
	return "GET " + path + " HTTP/1.0\r\nHost: " + r.hostHeader() + "\r\nUser-Agent: " + r.cfg.userAgent +
		"\r\nAccept: */*\r\nConnection: close\r\n\r\n"
}

// probeHTTP sends GET / and reads the response: Server, Date, and an
// Elasticsearch/OpenSearch root document.
func (r *run) probeHTTP(s *session, wait time.Duration) (result, bool) {
	if s.sendString(r.httpRequest("/")) != nil {
		return result{}, false
	}
	b, _ := s.recv(wait, httpDone)
	res, ok := r.httpResult(b, r.env.Clock())
	if !ok {
		r.keepUnknown(b)
	}
	return res, ok
}

// httpResult identifies an HTTP server from its response b, whichever
// probe drew it: Node.js, Go and others answer a TLS ClientHello or a
// Redis PING with "HTTP/1.1 400 Bad Request", so a reply to another probe
// that parses as HTTP is as good an identification as the answer to GET /
// (which can miss its short deadline on a loaded server). A 400 that
// complains about plain HTTP on a TLS port is not: the tls probe decides.
func (r *run) httpResult(b []byte, local time.Time) (result, bool) {
	h, ok := ParseHTTPResponse(b)
	if !ok || h.Status == 400 && plainToTLS.Match(h.Body) {
		return result{}, false
	}
	res := result{banner: headerBlock(b), local: local, date: h.Date}
	res.id = Ident{Name: "http"}
	res.id.Product, res.id.Version = ParseServerHeader(h.Server)
	res.id.set("http-status", strconv.Itoa(h.Status))
	if h.Server != "" {
		res.id.set("server", Printable([]byte(h.Server), 200))
	}
	if es, ok := ParseElasticsearch(h.Body); ok {
		es.set("http-status", strconv.Itoa(h.Status))
		res.id = es
	} else if h.Status == 401 && h.Header.Get("Www-Authenticate") != "" && slices.Contains([]uint16{9200, 9201}, r.t.Port) {
		// A secured Elasticsearch answers / with 401 and realm "security".
		res.id.set("www-authenticate", Printable([]byte(h.Header.Get("Www-Authenticate")), 200))
	}
	return res, true
}

// plainToTLS matches the complaints of Go, nginx and Apache about plain
// HTTP sent to a TLS port.
var plainToTLS = regexp.MustCompile(`(?i)(HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS port|speaking plain HTTP to an SSL-enabled)`)

// headerBlock returns the response head without the body.
func headerBlock(b []byte) []byte {
	for i := 0; i+3 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' && b[i+2] == '\r' && b[i+3] == '\n' {
			return b[:i]
		}
	}
	return b
}

// keepUnknown remembers the first reply that matched nothing, for the
// banner of an unidentified service.
func (r *run) keepUnknown(b []byte) {
	if len(b) > 0 && r.unknown == nil {
		r.unknown = b
	}
}

// probeRedis sends PING, then INFO server for the version.
func (r *run) probeRedis(s *session, wait time.Duration) (result, bool) {
	if s.sendString("*1\r\n$4\r\nPING\r\n") != nil {
		return result{}, false
	}
	b, _ := s.recv(wait, redisDone)
	id, ok := ParseRedisReply(b)
	if !ok {
		r.keepUnknown(b)
		return result{}, false
	}
	res := result{id: id, banner: []byte(firstLine(b))}
	if id.Attrs["auth"] == "" && s.sendString("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n") == nil {
		info, _ := s.recv(wait, redisDone)
		if m, ok := ParseRedisInfo(info); ok {
			res.id.Version = m["redis_version"]
			if m["redis_mode"] != "" {
				res.id.set("redis-mode", m["redis_mode"])
			}
		}
	}
	return res, true
}

// probeMemcached sends "version" (text protocol).
func (r *run) probeMemcached(s *session, wait time.Duration) (result, bool) {
	if s.sendString("version\r\n") != nil {
		return result{}, false
	}
	b, _ := s.recv(wait, lineDone)
	id, ok := ParseMemcachedVersion(b)
	if !ok {
		r.keepUnknown(b)
	}
	return result{id: id, banner: []byte(firstLine(b))}, ok
}

// probeMongo sends hello as OP_MSG, falling back to isMaster in OP_QUERY
// for servers before 3.6, then buildInfo for the version (both are
// allowed without authentication).
func (r *run) probeMongo(s *session, wait time.Duration) (result, bool) {
	if s.send(mongoOpMsg(1, bsonDoc("hello", 1, "$db", "admin"))) != nil {
		return result{}, false
	}
	b, _ := s.recv(wait, mongoDone)
	m, err := ParseMongoReply(b, 1)
	legacy := err != nil
	if legacy {
		// Old servers close on OP_MSG; ask again the legacy way.
		s2, derr := r.dial(s.ctx)
		if derr != nil {
			return result{}, false
		}
		defer s2.close()
		if s2.send(mongoOpQuery(2, bsonDoc("isMaster", 1))) != nil {
			return result{}, false
		}
		b, _ = s2.recv(wait, mongoDone)
		if m, err = ParseMongoReply(b, 2); err != nil {
			r.keepUnknown(b)
			return result{}, false
		}
		s = s2
	}
	id, ok := ParseMongoHello(m)
	if !ok {
		return result{}, false
	}
	res := result{id: id}
	req := mongoOpMsg(3, bsonDoc("buildInfo", 1, "$db", "admin"))
	if legacy {
		req = mongoOpQuery(3, bsonDoc("buildInfo", 1))
	}
	if s.send(req) == nil {
		b, _ := s.recv(wait, mongoDone)
		if bi, err := ParseMongoReply(b, 3); err == nil {
			if v, ok := bi["version"].(string); ok && cpeSafe.MatchString(v) {
				res.id.Version = v
			}
		}
	}
	return res, true
}

// probePostgres sends SSLRequest; the one-byte answer names PostgreSQL
// without a login attempt.
func (r *run) probePostgres(s *session, wait time.Duration) (result, bool) {
	if s.send(pgSSLRequest) != nil {
		return result{}, false
	}
	b, _ := s.recv(wait, func(b []byte) bool { return b[0] != 'E' })
	id, ok := ParsePostgresSSLReply(b)
	if !ok {
		r.keepUnknown(b)
	}
	return result{id: id}, ok
}

func (r *run) probeLDAP(s *session, wait time.Duration) (result, bool) {
	return r.binaryProbe(s, wait, ldapRootDSE, ldapDone, ParseLDAPResponse)
}

func (r *run) probeDNS(s *session, wait time.Duration) (result, bool) {
	return r.binaryProbe(s, wait, dnsQuery, lenDone, ParseDNSTCP)
}

func (r *run) probeSMB(s *session, wait time.Duration) (result, bool) {
	return r.binaryProbe(s, wait, smbNegotiate(), nbDone, ParseSMB)
}

func (r *run) probeRDP(s *session, wait time.Duration) (result, bool) {
	return r.binaryProbe(s, wait, rdpRequest, tpktDone, ParseRDPConfirm)
}

func (r *run) binaryProbe(s *session, wait time.Duration, req []byte, done func([]byte) bool, parse func([]byte) (Ident, bool)) (result, bool) {
	if s.send(req) != nil {
		return result{}, false
	}
	b, _ := s.recv(wait, done)
	id, ok := parse(b)
	if !ok {
		r.keepUnknown(b)
	}
	return result{id: id}, ok
}
