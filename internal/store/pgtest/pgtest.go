// Package pgtest starts a throw-away PostgreSQL cluster for tests: Debian's
// initdb and pg_ctl in a temporary directory, listening only on a Unix
// socket there, with password authentication, removed afterwards.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// User and Password of the test cluster's superuser.
const (
	User     = "shindan"
	Password = "pgtest-secret"
)

// Cluster is a running test cluster.
type Cluster struct {
	Dir  string // data directory and socket directory
	Port int
	bin  string
	as   []string // command prefix that runs as the cluster's owner
	n    atomic.Int64
}

var (
	once    sync.Once
	shared  *Cluster
	initErr error
)

// Bin finds the PostgreSQL server binaries (Debian: /usr/lib/postgresql/N/bin).
func Bin() string {
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(ms) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p)
		}
		return ""
	}
	return filepath.Dir(ms[len(ms)-1])
}

// Required reports whether tests must not skip for want of PostgreSQL:
// in the full suite (SHINDAN_REQUIRE_LAB=1, as make test sets it) or with
// SHINDAN_REQUIRE_PG=1.
func Required() bool {
	return os.Getenv("SHINDAN_REQUIRE_LAB") == "1" || os.Getenv("SHINDAN_REQUIRE_PG") == "1"
}

// Shared returns the package's cluster, starting it on first use; tests
// skip when PostgreSQL is not installed (and fail when it is required).
// Stop it from TestMain with Stop.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	once.Do(func() { shared, initErr = start() })
	if initErr != nil {
		if Required() || !strings.Contains(initErr.Error(), "not installed") {
			t.Fatalf("pgtest: %v", initErr)
		}
		t.Skipf("pgtest: %v", initErr)
	}
	return shared
}

// Stop stops the shared cluster, if one was started, and removes it.
func Stop() {
	if shared != nil {
		shared.stop()
	}
}

func start() (*Cluster, error) {
	bin := Bin()
	if bin == "" {
		return nil, fmt.Errorf("PostgreSQL is not installed (Debian package postgresql)")
	}
	dir, err := os.MkdirTemp("", "shindan-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin}
	// initdb and postgres refuse to run as root: run them as the postgres
	// system user (or nobody) owning the temporary directory.
	if os.Geteuid() == 0 {
		owner := "postgres"
		u, err := user.Lookup(owner)
		if err != nil {
			owner = "nobody"
			if u, err = user.Lookup(owner); err != nil {
				return nil, fmt.Errorf("no postgres or nobody user to run the cluster as")
			}
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		c.as = []string{"runuser", "-u", owner, "--"}
	}
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(Password+"\n"), 0o644); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", User, "--pwfile", pw, "-A", "scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	c.Port = 20000 + int(time.Now().UnixNano()%20000)
	opts := fmt.Sprintf("-c listen_addresses='' -c unix_socket_directories=%s -p %d -c fsync=off", dir, c.Port)
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, out, log)
	}
	return c, nil
}

func (c *Cluster) run(tool string, args ...string) ([]byte, error) {
	argv := append(append(append([]string{}, c.as...), filepath.Join(c.bin, tool)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.Dir
	return cmd.CombinedOutput()
}

func (c *Cluster) stop() {
	c.run("pg_ctl", "-D", filepath.Join(c.Dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.Dir)
}

// DSN is the URL of database db with the given password.
func (c *Cluster) DSN(db, password string) string {
	return fmt.Sprintf("postgres://%s:%s@/%s?host=%s&port=%d&sslmode=disable", User, password, db, c.Dir, c.Port)
}

// NewDatabase creates an empty database and returns its URL.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.n.Add(1))
	db, err := sql.Open("pgx", c.DSN("postgres", Password))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	return c.DSN(name, Password)
}
