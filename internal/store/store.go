// Package store keeps scan history: scans, assets, services, findings with
// their evidence, each finding's first and last sighting, and drift
// events. One schema with versioned, embedded migrations serves both an
// embedded SQLite file (modernc.org/sqlite, no cgo) and a shared
// PostgreSQL database (pgx). Every query is parameterised.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is an open history store. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	postgres bool
	dsn      string // for messages, without a password
}

// DefaultPath is the per-user SQLite file used when no --store is given:
// $XDG_STATE_HOME/shindan/shindan.db, else ~/.local/state/shindan/shindan.db.
func DefaultPath() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "shindan", "shindan.db")
	}
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		return filepath.Join(h, ".local", "state", "shindan", "shindan.db")
	}
	return "shindan.db"
}

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// Open opens (and creates or migrates) the store named by dsn: a
// postgres:// or postgresql:// URL, or a path (optionally file:PATH) of an
// SQLite file. A file that is not an SQLite database, a database whose
// schema is newer than this binary knows, an unreachable server or a
// refused login are errors; none of them changes anything on disk.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, strings.TrimPrefix(dsn, "file:"))
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: empty SQLite path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: SQLite path %q: '?' and '#' are not allowed", path)
	}
	if err := checkSQLiteFile(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// WAL keeps every committed transaction across a kill -9 of the
	// writer; busy_timeout lets a dashboard read while a sweep writes. A
	// 4 MiB page cache per connection (the default is 2 MiB) halves the
	// wall time of a 10,000-host diff, whose subject rows are read in ID
	// order rather than the order written, for 2 MiB more per connection;
	// 16 MiB bought nothing more.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-4096)")
	// Every transaction here writes; IMMEDIATE takes the write lock at
	// BEGIN, where the busy handler waits, instead of on the first write,
	// where SQLite fails at once with SQLITE_BUSY if another connection
	// holds it (a scan failed in CI that way while a reader migrated).
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	s := &Store{db: db, dsn: path}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return s, nil
}

// checkSQLiteFile refuses an existing file that is not an SQLite
// database before the driver touches it: opening in WAL mode would
// otherwise try to write to it.
func checkSQLiteFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if st.IsDir() {
		return fmt.Errorf("store: %s is a directory, not an SQLite file", path)
	}
	if st.Size() == 0 {
		return nil
	}
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteMagic) {
		return fmt.Errorf("store: %s is not an SQLite database (corrupt or another kind of file); it was left untouched", path)
	}
	return nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: bad PostgreSQL URL: %v", redactErr(err))
	}
	shown := u.Redacted()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", shown, err)
	}
	db.SetMaxOpenConns(8)
	s := &Store{db: db, postgres: true, dsn: shown}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: cannot connect to PostgreSQL %s: %w", shown, err)
	}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", shown, err)
	}
	return s, nil
}

// redactErr drops a URL parse error's echo of the URL (it may hold a
// password).
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Name is the store as shown to users (PostgreSQL password redacted).
func (s *Store) Name() string { return s.dsn }

// Migration is one numbered schema step.
type migration struct {
	version int
	sql     string
}

func migrations() ([]migration, error) {
	ents, err := migrationFS.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range ents {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{v, string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %d: versions must run 1, 2, 3, …", m.version)
		}
	}
	return out, nil
}

// migrationLock is the PostgreSQL advisory lock key held while the
// schema is checked and migrated ("shindan" in ASCII).
const migrationLock int64 = 0x7368696e64616e

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// init checks the schema version and applies missing migrations. Two
// processes opening a fresh store at once (a sweep and a dashboard) take
// turns: the migrating one holds SQLite's write lock (BEGIN IMMEDIATE)
// or a PostgreSQL advisory lock and checks the version again under it.
func (s *Store) init(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	cur, err := schemaVersion(ctx, s.db, s.postgres)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return newerSchema(cur, len(ms))
	}
	if cur == len(ms) {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return explain(err)
	}
	defer conn.Close()
	bg := context.WithoutCancel(ctx)
	if s.postgres {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return explain(err)
		}
		defer conn.ExecContext(bg, `SELECT pg_advisory_unlock($1)`, migrationLock)
	} else {
		if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
			return explain(err)
		}
		done := false
		defer func() {
			if !done {
				conn.ExecContext(bg, `ROLLBACK`)
			}
		}()
		if err := s.migrate(ctx, conn, ms); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
			return explain(err)
		}
		done = true
		return nil
	}
	return s.migrate(ctx, conn, ms)
}

// migrate applies the migrations the store lacks, on a connection that
// holds the migration lock: on PostgreSQL each in its own transaction, on
// SQLite inside the caller's.
func (s *Store) migrate(ctx context.Context, conn *sql.Conn, ms []migration) error {
	cur, err := schemaVersion(ctx, conn, s.postgres)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return newerSchema(cur, len(ms))
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS shindan_schema (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return explain(err)
	}
	for _, m := range ms[cur:] {
		apply := func(ex execer) error {
			for _, stmt := range splitSQL(m.sql) {
				if _, err := ex.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %d: %w", m.version, err)
				}
			}
			_, err := ex.ExecContext(ctx, s.q(`INSERT INTO shindan_schema (version, applied_at) VALUES (?, ?)`), m.version, stamp(time.Now()))
			return err
		}
		if !s.postgres {
			if err := apply(conn); err != nil {
				return explain(err)
			}
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return explain(err)
		}
		if err := apply(tx); err != nil {
			tx.Rollback()
			return explain(err)
		}
		if err := tx.Commit(); err != nil {
			return explain(err)
		}
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func newerSchema(cur, known int) error {
	return fmt.Errorf("schema version %d is newer than this shindan knows (%d): upgrade shindan; the store was left untouched", cur, known)
}

// schemaVersion reads the applied version; 0 for a database without the
// version table.
func schemaVersion(ctx context.Context, db rowQuerier, postgres bool) (int, error) {
	var exists int
	var err error
	if postgres {
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'shindan_schema'`).Scan(&exists)
	} else {
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'shindan_schema'`).Scan(&exists)
	}
	if err != nil {
		return 0, explain(err)
	}
	if exists == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT max(version) FROM shindan_schema`).Scan(&v); err != nil {
		return 0, explain(err)
	}
	return int(v.Int64), nil
}

// explain turns the driver's most common refusals into a sentence.
func explain(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "file is not a database"), strings.Contains(msg, "database disk image is malformed"):
		return fmt.Errorf("not a valid SQLite database (corrupt?): %w", err)
	case strings.Contains(msg, "readonly database"), strings.Contains(msg, "unable to open database"):
		return fmt.Errorf("cannot write the SQLite file: %w", err)
	}
	return err
}

// splitSQL splits a migration into statements at semicolons ending a line
// and drops comment lines; migrations hold no semicolons inside literals.
func splitSQL(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, cur.String())
	}
	return out
}

// q rewrites ? placeholders to PostgreSQL's $n. Queries in this package
// never hold a literal question mark.
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Store) tx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// stampLayout is fixed-width so that text order is time order.
const stampLayout = "2006-01-02T15:04:05.000000000Z"

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(stampLayout)
}

func parseStamp(s string) time.Time {
	t, _ := time.Parse(stampLayout, s)
	return t
}
