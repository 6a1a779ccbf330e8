package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"shindan/internal/dashboard"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve a read-only web dashboard over the history store (Japanese and English)",
		Description: "Scans over time, the article matrix with its trend, drift events, a page per host\n" +
			"and per finding. It binds to loopback by default; any other address needs --token,\n" +
			"because the store holds a map of the organisation's weaknesses. Clients send\n" +
			"'Authorization: Bearer TOKEN' or sign in through the form (a cookie).\n\n" +
			"  shindan serve --store shindan.db --listen 127.0.0.1:8080\n" +
			"  SHINDAN_TOKEN=$(openssl rand -hex 16) shindan serve --listen 0.0.0.0:8080 --store postgres://...",
		Flags: []cli.Flag{
			storeFlag(),
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:8080", Usage: "`ADDR:PORT` to listen on"},
			&cli.StringFlag{Name: "token", EnvVars: []string{"SHINDAN_TOKEN"}, Usage: "access `TOKEN` (required off loopback; prefer the environment variable)"},
		},
		Action: func(c *cli.Context) error {
			addr := c.String("listen")
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return usageErr("--listen: %v", err)
			}
			ip := net.ParseIP(host)
			loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
			tok := c.String("token")
			if !loopback && tok == "" {
				return usageErr("--listen %s is not a loopback address: give --token (or SHINDAN_TOKEN); the store holds a map of the organisation's weaknesses", addr)
			}
			if tok != "" && len(tok) < 16 {
				return usageErr("--token: at least 16 characters")
			}
			st, err := openStore(context.WithoutCancel(c.Context), c.String("store"))
			if err != nil {
				return err
			}
			defer st.Close()
			srv, err := dashboard.New(st, tok)
			if err != nil {
				return cli.Exit(err.Error(), exitError)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return cli.Exit(fmt.Sprintf("serve: %v", err), exitError)
			}
			hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
				WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
			fmt.Fprintf(os.Stderr, "shindan: dashboard on http://%s/ (store %s)\n", ln.Addr(), st.Name())
			go func() {
				<-c.Context.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				hs.Shutdown(ctx)
			}()
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return cli.Exit(fmt.Sprintf("serve: %v", err), exitError)
			}
			return nil
		},
	}
}
