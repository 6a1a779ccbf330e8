package svcscan

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"shindan/scanners"
)

// priorEnv returns an Env whose Prior answers svc.ident with name for t.
func priorEnv(name string, tls bool) *scanners.Env {
	env := testEnv(time.Second)
	env.Prior = func(id string, t scanners.Target) []scanners.Observation {
		if id != scanners.ProbeSvcIdent || name == "" {
			return nil
		}
		return []scanners.Observation{{Probe: scanners.ProbeSvcIdent, Target: t, Status: scanners.OK,
			Data: &scanners.Service{Proto: scanners.TCP, Port: t.Port, Name: name, TLS: tls}}}
	}
	return env
}

func dbauth(t *testing.T, env *scanners.Env, tg scanners.Target) scanners.Observation {
	t.Helper()
	obs, err := DBAuthProbe{}.Run(context.Background(), env, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 {
		t.Fatalf("got %d observations", len(obs))
	}
	return obs[0]
}

func access(t *testing.T, o scanners.Observation) *scanners.DBAccess {
	t.Helper()
	if o.Status != scanners.OK {
		t.Fatalf("status %s: %s", o.Status, o.Reason)
	}
	a, ok := o.Data.(*scanners.DBAccess)
	if !ok {
		t.Fatalf("payload %T", o.Data)
	}
	return a
}

func TestDBAuth(t *testing.T) {
	redis := func(reply string) fake {
		return fake{respond: func(req []byte) ([]byte, bool) { return []byte(reply), false }}
	}
	info := "# Server\r\nredis_version:7.0.15\r\n"
	es := func(status int) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/_cat/indices" {
				w.WriteHeader(404)
				return
			}
			w.WriteHeader(status)
			fmt.Fprint(w, "green open customers 12\n")
		}))
	}
	type want struct{ unauth, authReq bool }
	tests := []struct {
		name, svc string
		srv       fake
		es        *httptest.Server
		want      want
		reply     string
	}{
		{name: "redis open", svc: "redis", srv: redis(fmt.Sprintf("$%d\r\n%s\r\n", len(info), info)), want: want{unauth: true}, reply: "redis_version"},
		{name: "redis noauth", svc: "redis", srv: redis("-NOAUTH Authentication required.\r\n"), want: want{authReq: true}},
		{name: "redis protected mode", svc: "redis", srv: redis("-DENIED Redis is running in protected mode\r\n"), want: want{}},
		{name: "memcached open", svc: "memcached", srv: redis("STAT pid 1\r\nSTAT uptime 5\r\nEND\r\n"), want: want{unauth: true}},
		{name: "mongodb open", svc: "mongodb", srv: mongoFake(false), want: want{unauth: true}, reply: "secrets"},
		{name: "mongodb auth", svc: "mongodb", srv: mongoFake(true), want: want{authReq: true}, reply: "error 13"},
		{name: "mysql greeting", svc: "mysql", srv: fake{greeting: mysqlGreeting("8.0.36", 0xffff)}, want: want{}, reply: "MySQL 8.0.36"},
		{name: "postgresql", svc: "postgresql", srv: fake{respond: func([]byte) ([]byte, bool) { return []byte("S"), false }}, want: want{}},
		{name: "elasticsearch open", svc: "elasticsearch", es: es(200), want: want{unauth: true}, reply: "customers"},
		{name: "elasticsearch secured", svc: "elasticsearch", es: es(401), want: want{authReq: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tg scanners.Target
			if tc.es != nil {
				defer tc.es.Close()
				ap := netip.MustParseAddrPort(strings.TrimPrefix(tc.es.URL, "http://"))
				tg = scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}
			} else {
				tg = tc.srv.start(t)
			}
			o := dbauth(t, priorEnv(tc.svc, false), tg)
			a := access(t, o)
			if a.Service != tc.svc || a.Unauthenticated != tc.want.unauth || a.AuthRequired != tc.want.authReq || a.Command == "" {
				t.Errorf("got %+v", *a)
			}
			if !strings.Contains(a.Reply, tc.reply) {
				t.Errorf("reply %q lacks %q", a.Reply, tc.reply)
			}
		})
	}
}

func TestDBAuthUndecided(t *testing.T) {
	t.Run("garbage", func(t *testing.T) {
		tg := fake{respond: func([]byte) ([]byte, bool) { return []byte("?!\r\n"), true }}.start(t)
		o := dbauth(t, priorEnv("redis", false), tg)
		if o.Status == scanners.OK || o.Reason == "" {
			t.Fatalf("got %s %q", o.Status, o.Reason)
		}
	})
	t.Run("refused", func(t *testing.T) {
		tg := scanners.Target{Addr: netip.MustParseAddr("127.0.0.1"), Port: freePort(t), Proto: scanners.TCP}
		o := dbauth(t, priorEnv("mongodb", false), tg)
		if o.Status != scanners.Refused {
			t.Fatalf("got %s %q", o.Status, o.Reason)
		}
	})
	t.Run("not a database", func(t *testing.T) {
		tg := scanners.Target{Addr: netip.MustParseAddr("127.0.0.1"), Port: 22, Proto: scanners.TCP}
		obs, err := DBAuthProbe{}.Run(context.Background(), priorEnv("ssh", false), tg)
		if err != nil || len(obs) != 0 {
			t.Fatalf("got %v %v", obs, err)
		}
	})
}

// startDaemon runs a real server binary on a free loopback port and waits
// until it accepts connections.
func startDaemon(t *testing.T, bin string, args func(port int, dir string) []string) scanners.Target {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err != nil {
		t.Skipf("%s not installed: %v", bin, err)
	}
	port := int(freePort(t))
	dir := t.TempDir()
	cmd := exec.Command(path, args(port, dir)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if i > 50 {
			t.Fatalf("%s did not start: %v", bin, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return scanners.Target{Addr: netip.MustParseAddr("127.0.0.1"), Port: uint16(port), Proto: scanners.TCP}
}

// TestRealRedisMemcached identifies real daemons started on loopback and
// probes their access, with and without a Redis password.
func TestRealRedisMemcached(t *testing.T) {
	redisArgs := func(pass string) func(int, string) []string {
		return func(port int, dir string) []string {
			a := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
				"--dir", dir, "--protected-mode", "no"}
			if pass != "" {
				a = append(a, "--requirepass", pass)
			}
			return a
		}
	}
	t.Run("redis open", func(t *testing.T) {
		tg := startDaemon(t, "redis-server", redisArgs(""))
		s := service(t, identify(t, testEnv(2*time.Second), tg))
		want(t, s.Name == "redis" && s.Product == "Redis" && s.Version != "" && s.CPE != "", s)
		a := access(t, dbauth(t, priorEnv(s.Name, false), tg))
		if !a.Unauthenticated || a.AuthRequired || !strings.Contains(a.Reply, "redis_version") {
			t.Errorf("got %+v", *a)
		}
	})
	t.Run("redis password", func(t *testing.T) {
		tg := startDaemon(t, "redis-server", redisArgs("s3cret-for-test"))
		s := service(t, identify(t, testEnv(2*time.Second), tg))
		want(t, s.Name == "redis" && s.Attrs["auth"] == "required", s)
		a := access(t, dbauth(t, priorEnv(s.Name, false), tg))
		if a.Unauthenticated || !a.AuthRequired {
			t.Errorf("got %+v", *a)
		}
	})
	t.Run("memcached", func(t *testing.T) {
		tg := startDaemon(t, "memcached", func(port int, dir string) []string {
			return []string{"-l", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "0", "-m", "8", "-u", "nobody"}
		})
		s := service(t, identify(t, testEnv(2*time.Second), tg))
		want(t, s.Name == "memcached" && s.Version != "", s)
		a := access(t, dbauth(t, priorEnv(s.Name, false), tg))
		if !a.Unauthenticated || !bytes.Contains([]byte(a.Reply), []byte("STAT pid")) {
			t.Errorf("got %+v", *a)
		}
	})
}
