package svcscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"

	"shindan/scanners"
)

func init() { scanners.Register(SSHKeyProbe{}) }

// SSHKeyProbe is svc.sshkey: it runs an SSH key exchange far enough to
// see the server's host key and stops there, before any authentication,
// so no user name or credential is ever sent. Stateless and safe for
// concurrent use.
type SSHKeyProbe struct{}

var _ scanners.Probe = SSHKeyProbe{}

// Info describes svc.sshkey: once per endpoint identified as SSH.
func (SSHKeyProbe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeSvcSSHKey, Level: scanners.LevelEndpoint, Services: []string{"ssh"}}
}

// errGotKey aborts the handshake once the host key is in hand.
var errGotKey = errors.New("svcscan: host key read")

// Run reads t's host key; a server that does not finish the key exchange
// within the I/O timeout is an observation with its status, not an error.
func (SSHKeyProbe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	start := env.Clock()
	addr := net.JoinHostPort(t.Addr.String(), strconv.Itoa(int(t.Port)))
	conn, err := env.DialContext(ctx, "tcp", addr)
	if err != nil {
		return []scanners.Observation{scanners.Failed(scanners.ProbeSvcSSHKey, t, start, err)}, nil
	}
	defer conn.Close()
	// One deadline bounds the whole exchange: a tarpit costs one timeout.
	conn.SetDeadline(time.Now().Add(env.Timeout())) //nolint:errcheck // a dead conn fails the handshake anyway
	var key ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User:          "shindan-hostkey-only",
		ClientVersion: "SSH-2.0-shindan",
		Timeout:       env.Timeout(),
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k
			return errGotKey
		},
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	_, _, _, err = ssh.NewClientConn(conn, addr, cfg)
	if key == nil {
		if err == nil {
			err = errors.New("svcscan: no host key in the key exchange")
		}
		return []scanners.Observation{scanners.Failed(scanners.ProbeSvcSSHKey, t, start, err)}, nil
	}
	hk := &scanners.SSHHostKey{Type: key.Type(), SHA256: ssh.FingerprintSHA256(key)}
	return []scanners.Observation{{Probe: scanners.ProbeSvcSSHKey, Target: t, At: start, Status: scanners.OK, Data: hk,
		Evidence: []scanners.Evidence{{Kind: "note", Summary: fmt.Sprintf("SSH host key %s %s (key exchange stopped before authentication)", hk.Type, hk.SHA256)}}}}, nil
}
