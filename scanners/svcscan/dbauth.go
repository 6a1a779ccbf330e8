package svcscan

import (
	"context"
	"crypto/tls"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"shindan/scanners"
)

// dbServices are the services svc.dbauth knows how to ask.
var dbServices = []string{"redis", "mongodb", "elasticsearch", "memcached", "mysql", "postgresql"}

// dbPorts is the fallback when svc.ident left no observation for the port.
var dbPorts = map[uint16]string{
	6379: "redis", 27017: "mongodb", 27018: "mongodb", 9200: "elasticsearch",
	11211: "memcached", 3306: "mysql", 5432: "postgresql",
}

// DBAuthProbe is the svc.dbauth probe: one read-only command without
// credentials per database endpoint. It never writes and never guesses a
// password. It is stateless and safe for concurrent use.
type DBAuthProbe struct{}

var _ scanners.Probe = DBAuthProbe{}

// Info describes svc.dbauth: endpoints svc.ident named as a database.
func (DBAuthProbe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeSvcDBAuth, Level: scanners.LevelEndpoint,
		Services: slices.Clone(dbServices), After: []string{scanners.ProbeSvcIdent}}
}

// maxReply bounds DBAccess.Reply.
const maxReply = 300

// Run asks the database on t. The service comes from svc.ident (Env.Prior),
// or from the port when identification left nothing. A database we cannot
// reach yields a non-OK observation, so the check reports error, not pass.
func (DBAuthProbe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	if !t.Addr.IsValid() || t.Port == 0 {
		return nil, fmt.Errorf("svcscan: svc.dbauth needs an address and a port, got %q", t.String())
	}
	t.Proto = scanners.TCP
	at := env.Clock()
	name, useTLS := dbService(env, t)
	if name == "" {
		return nil, nil
	}
	cfg := configFrom(env)
	ctx, cancel := context.WithTimeout(ctx, cfg.budget)
	defer cancel()
	tr := &transcript{}
	r := &run{env: env, t: t, cfg: cfg, tr: tr}
	fail := func(err error) []scanners.Observation {
		o := scanners.Failed(scanners.ProbeSvcDBAuth, t, at, fmt.Errorf("svcscan: %s: %w", name, err))
		o.Evidence = []scanners.Evidence{{Kind: "transcript", Summary: "svc.dbauth " + t.String(), Data: tr.String()}}
		return []scanners.Observation{o}
	}
	s, err := r.dial(ctx)
	if err != nil {
		return fail(err), nil
	}
	defer s.close()
	if useTLS {
		tc := tls.Client(s.c, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // access test, not trust
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(err), nil
		}
		s = &session{ctx: s.ctx, c: tc, tr: tr, timeout: s.timeout, stop: func() bool { return true }}
	}
	var acc *scanners.DBAccess
	switch name {
	case "redis":
		acc, err = dbRedis(s, cfg)
	case "memcached":
		acc, err = dbMemcached(s, cfg)
	case "mongodb":
		acc, err = dbMongo(s, cfg, r)
	case "elasticsearch":
		acc, err = dbElastic(s, cfg, r)
	case "mysql":
		acc, err = dbMySQL(s, cfg)
	case "postgresql":
		acc, err = dbPostgres(s, cfg)
	}
	if err != nil {
		return fail(err), nil
	}
	acc.Service = name
	summary := "reachable, authentication not tested"
	switch {
	case acc.Unauthenticated:
		summary = "answered a read-only command without credentials"
	case acc.AuthRequired:
		summary = "requires authentication"
	}
	o := scanners.Observation{Probe: scanners.ProbeSvcDBAuth, Target: t, At: at, Status: scanners.OK, Data: acc,
		Evidence: []scanners.Evidence{{Kind: "transcript", Summary: "svc.dbauth " + t.String() + " " + name + ": " + summary, Data: tr.String()}}}
	return []scanners.Observation{o}, nil
}

// dbService picks the service to ask from svc.ident's observation.
func dbService(env *scanners.Env, t scanners.Target) (name string, useTLS bool) {
	if env.Prior != nil {
		for _, o := range env.Prior(scanners.ProbeSvcIdent, t) {
			svc, ok := o.Data.(*scanners.Service)
			if !ok || o.Target.Port != t.Port || o.Status != scanners.OK {
				continue
			}
			if slices.Contains(dbServices, svc.Name) {
				return svc.Name, svc.TLS
			}
			if svc.Name != "" {
				return "", false // something else answers here
			}
		}
	}
	return dbPorts[t.Port], false
}

// errNoAnswer is a reply we could not read.
func noAnswer(b []byte, err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("unexpected reply %q", Printable(b, 80))
}

func excerpt(b []byte) string { return Printable(b, maxReply) }

// dbRedis sends INFO server: a bulk reply means no AUTH is configured;
// -NOAUTH (or WRONGPASS/operation not permitted) means it is.
func dbRedis(s *session, cfg config) (*scanners.DBAccess, error) {
	const cmd = "INFO server"
	if err := s.sendString("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"); err != nil {
		return nil, err
	}
	b, err := s.recv(cfg.timeout, redisDone)
	acc := &scanners.DBAccess{Command: cmd, Reply: excerpt(b)}
	l := firstLine(b)
	switch {
	case len(b) > 0 && b[0] == '$':
		if _, ok := ParseRedisInfo(b); ok {
			acc.Unauthenticated = true
			return acc, nil
		}
	case strings.HasPrefix(l, "-NOAUTH"), strings.HasPrefix(l, "-WRONGPASS"), strings.HasPrefix(l, "-ERR operation not permitted"),
		strings.HasPrefix(l, "-NOPERM"):
		acc.AuthRequired = true
		return acc, nil
	case strings.HasPrefix(l, "-DENIED"):
		// Protected mode: reachable, refuses all commands from outside.
		return acc, nil
	}
	return nil, noAnswer(b, err)
}

// dbMemcached sends "stats": STAT lines mean anyone can read (and write).
func dbMemcached(s *session, cfg config) (*scanners.DBAccess, error) {
	if err := s.sendString("stats\r\n"); err != nil {
		return nil, err
	}
	b, err := s.recv(cfg.timeout, func(b []byte) bool {
		return strings.HasSuffix(string(b), "END\r\n") || (lineDone(b) && !strings.HasPrefix(string(b), "STAT "))
	})
	acc := &scanners.DBAccess{Command: "stats", Reply: excerpt(b)}
	switch l := firstLine(b); {
	case strings.HasPrefix(l, "STAT "):
		acc.Unauthenticated = true
		return acc, nil
	case strings.Contains(strings.ToLower(l), "auth"):
		acc.AuthRequired = true
		return acc, nil
	}
	return nil, noAnswer(b, err)
}

// dbMongo runs listDatabases (nameOnly) on admin as OP_MSG, or as a legacy
// OP_QUERY for servers before 3.6; error 13 is Unauthorized.
func dbMongo(s *session, cfg config, r *run) (*scanners.DBAccess, error) {
	const cmd = "listDatabases {nameOnly: true}"
	if err := s.send(mongoOpMsg(7, bsonDoc("listDatabases", 1, "nameOnly", true, "$db", "admin"))); err != nil {
		return nil, err
	}
	b, err := s.recv(cfg.timeout, mongoDone)
	m, perr := ParseMongoReply(b, 7)
	if perr != nil {
		s2, derr := r.dial(s.ctx)
		if derr != nil {
			return nil, derr
		}
		defer s2.close()
		if err := s2.send(mongoOpQuery(8, bsonDoc("listDatabases", 1, "nameOnly", true))); err != nil {
			return nil, err
		}
		b, err = s2.recv(cfg.timeout, mongoDone)
		if m, perr = ParseMongoReply(b, 8); perr != nil {
			if err == nil {
				err = perr
			}
			return nil, err
		}
	}
	acc := &scanners.DBAccess{Command: cmd}
	if mongoOK(m) {
		acc.Unauthenticated = true
		var names []string
		if dbs, ok := m["databases"].([]any); ok {
			for _, d := range dbs {
				if dm, ok := d.(map[string]any); ok {
					if n, ok := dm["name"].(string); ok {
						names = append(names, n)
					}
				}
			}
		}
		acc.Reply = Printable([]byte("ok: databases "+strings.Join(names, ", ")), maxReply)
		return acc, nil
	}
	code := mongoCode(m)
	msg, _ := m["errmsg"].(string)
	acc.Reply = Printable([]byte("error "+strconv.FormatInt(code, 10)+": "+msg), maxReply)
	if code == 13 || code == 18 || strings.Contains(strings.ToLower(msg), "auth") {
		acc.AuthRequired = true
	}
	return acc, nil
}

// dbElastic asks GET /_cat/indices: 200 lists indices to anyone; 401/403
// means security is on.
func dbElastic(s *session, cfg config, r *run) (*scanners.DBAccess, error) {
	const path = "/_cat/indices?h=index,docs.count"
	if err := s.sendString(r.httpRequest(path)); err != nil {
		return nil, err
	}
	b, err := s.recv(cfg.timeout, httpDone)
	h, ok := ParseHTTPResponse(b)
	if !ok {
		return nil, noAnswer(b, err)
	}
	acc := &scanners.DBAccess{Command: "GET " + path, Reply: Printable([]byte(fmt.Sprintf("HTTP %d %s", h.Status, h.Body)), maxReply)}
	switch {
	case h.Status == 200:
		acc.Unauthenticated = true
	case h.Status == 401 || h.Status == 403:
		acc.AuthRequired = true
	}
	return acc, nil
}

// dbMySQL reads the greeting only: we never log in, so whether a
// password is needed stays unknown.
func dbMySQL(s *session, cfg config) (*scanners.DBAccess, error) {
	b, err := s.recv(cfg.timeout, mysqlDone)
	id, ok := ParseMySQLGreeting(b)
	if !ok {
		return nil, noAnswer(b, err)
	}
	rep := strings.TrimSpace(id.Product + " " + id.Version)
	if e := id.Attrs["error"]; e != "" {
		rep += " error " + e
	}
	return &scanners.DBAccess{Command: "(read greeting)", Reply: Printable([]byte(rep), maxReply)}, nil
}

// dbPostgres sends SSLRequest only: reachability, no login.
func dbPostgres(s *session, cfg config) (*scanners.DBAccess, error) {
	if err := s.send(pgSSLRequest); err != nil {
		return nil, err
	}
	b, err := s.recv(cfg.timeout, func(b []byte) bool { return b[0] != 'E' })
	if _, ok := ParsePostgresSSLReply(b); !ok {
		return nil, noAnswer(b, err)
	}
	return &scanners.DBAccess{Command: "SSLRequest", Reply: excerpt(b)}, nil
}
