// Command driver runs the tlsscan engine on endpoints, without the CLI, for
// bench/tls: one JSON document per endpoint on stdout, timings on stderr.
//
//	go run ./bench/tls/driver [-ca ca.pem] [-starttls smtp] [-pairs] host:port...
package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"shindan/scanners/tlsscan"
)

func main() {
	ca := flag.String("ca", "", "PEM file of extra trust anchors")
	st := flag.String("starttls", "", "smtp, imap, pop3 or ftp")
	sni := flag.String("sni", "", "server name")
	pairs := flag.Bool("pairs", false, "print accepted protocol,suite-code pairs instead of JSON")
	par := flag.Int("parallel", 6, "connections at once")
	flag.Parse()
	var roots *x509.CertPool
	if *ca != "" {
		b, err := os.ReadFile(*ca)
		if err != nil {
			log.Fatal(err)
		}
		roots = x509.NewCertPool()
		roots.AppendCertsFromPEM(b)
	}
	for _, addr := range flag.Args() {
		start := time.Now()
		res, err := tlsscan.Scan(context.Background(), tlsscan.Config{Addr: addr, SNI: *sni, StartTLS: *st, RootCAs: roots, Parallel: *par, Timeout: 5 * time.Second})
		el := time.Since(start)
		if err != nil {
			log.Fatalf("%s: %v", addr, err)
		}
		fmt.Fprintf(os.Stderr, "shindan %s: %.3fs, %d connections\n", addr, el.Seconds(), res.Connections)
		if *pairs {
			for _, p := range res.Protocols {
				for _, s := range p.Suites {
					fmt.Printf("%s,%s\n", p.Name, s.Code)
				}
			}
			continue
		}
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(b))
	}
}
