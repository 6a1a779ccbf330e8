package dist

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Embedded is an in-process NATS server with JetStream, listening on a
// random loopback port, its store in a temporary directory.
type Embedded struct {
	srv *server.Server
	dir string
}

// StartEmbedded starts the in-process server.
func StartEmbedded() (*Embedded, error) {
	dir, err := os.MkdirTemp("", "shindan-nats-")
	if err != nil {
		return nil, fmt.Errorf("dist: embedded server: %w", err)
	}
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true, MaxPayload: MaxMessage, DisableJetStreamBanner: true,
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("dist: embedded server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		os.RemoveAll(dir)
		return nil, errors.New("dist: embedded server did not start within 10s")
	}
	return &Embedded{srv: srv, dir: dir}, nil
}

// URL is where workers connect (nats://127.0.0.1:port).
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Close stops the server and removes its store.
func (e *Embedded) Close() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	os.RemoveAll(e.dir)
}

// APITimeout bounds one JetStream API request (see Connect).
const APITimeout = 30 * time.Second

// Connect dials url (a NATS URL: the user's, or an Embedded's). name
// identifies the client on the server.
func Connect(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	if strings.ContainsFunc(url, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, nil, errors.New("dist: the NATS URL holds a control character")
	}
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		return nil, nil, fmt.Errorf("dist: connect %s: %w", redact(url), err)
	}
	// JetStream API calls (stream and consumer create or update) wait for
	// the server's disk and meta layer; the client's 5 s default failed a
	// scan on a loaded 2-core machine ("work consumer: context deadline
	// exceeded"). A scan that cannot set up its queue fails anyway, so a
	// longer wait costs nothing when the server is healthy.
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(APITimeout))
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("dist: jetstream: %w", err)
	}
	return nc, js, nil
}

// redact hides the secret of a NATS URL (user:password@, or token@)
// before it is logged.
func redact(u string) string {
	if strings.Contains(u, ",") { // a server list
		parts := strings.Split(u, ",")
		for i := range parts {
			parts[i] = redact(parts[i])
		}
		return strings.Join(parts, ",")
	}
	p, err := neturl.Parse(u)
	if err != nil {
		if strings.Contains(u, "@") {
			return "(a NATS URL that does not parse)"
		}
		return u
	}
	if p.User == nil {
		return u
	}
	if _, ok := p.User.Password(); ok {
		p.User = neturl.UserPassword(p.User.Username(), "xxxxx")
	} else {
		p.User = neturl.User("xxxxx")
	}
	return p.String()
}

// maxMessage is the largest message this connection may publish.
func maxMessage(nc *nats.Conn) int {
	return int(min(nc.MaxPayload(), MaxMessage))
}

// ensureStreams creates (or finds identical) the streams and the config
// bucket. Both sides call it; the configurations are constants.
func ensureStreams(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: WorkStream, Subjects: []string{workSubject + ">"}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Duplicates: 10 * time.Minute, MaxMsgSize: MaxMessage,
	}); err != nil {
		return nil, fmt.Errorf("dist: stream %s: %w", WorkStream, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: ResultStream, Subjects: []string{resultSubject + ">"}, Retention: jetstream.LimitsPolicy,
		Storage: jetstream.FileStorage, Duplicates: 10 * time.Minute, MaxAge: 7 * 24 * time.Hour, MaxMsgSize: MaxMessage,
	}); err != nil {
		return nil, fmt.Errorf("dist: stream %s: %w", ResultStream, err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: ConfigBucket, MaxValueSize: MaxMessage, TTL: 7 * 24 * time.Hour})
	if err != nil {
		return nil, fmt.Errorf("dist: bucket %s: %w", ConfigBucket, err)
	}
	return kv, nil
}

// workConsumer is the durable pull consumer every worker shares. The
// coordinator sets its ack wait; a worker binds to what exists.
func workConsumerConfig(ackWait time.Duration) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable: WorkerConsumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait,
		MaxDeliver: MaxDeliver, FilterSubject: workSubject + ">", MaxAckPending: 4096,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
}
