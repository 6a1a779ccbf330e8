// Command shindan-nuclei is the nuclei engine of shindan's vuln.nuclei
// probe, in a process of its own so that the shindan binary does not link
// nuclei and pay its package inits at every start. shindan starts it on a
// scan's first vuln.nuclei run and talks to it in JSON lines over stdin
// and stdout (scanners/nucleiwire); it is not meant to be run by hand.
package main

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"shindan/scanners/nucleiscan"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "shindan-nuclei: started by shindan for vuln.nuclei; it takes no arguments")
		os.Exit(2)
	}
	// Replies get a private copy of stdout; fd 1 itself becomes stderr, so
	// anything nuclei or a dependency prints cannot corrupt the stream.
	fd, err := syscall.Dup(1)
	if err != nil {
		fmt.Fprintln(os.Stderr, "shindan-nuclei:", err)
		os.Exit(1)
	}
	if err := syscall.Dup3(2, 1, 0); err != nil {
		fmt.Fprintln(os.Stderr, "shindan-nuclei:", err)
		os.Exit(1)
	}
	out := os.NewFile(uintptr(fd), "replies")
	if err := nucleiscan.Serve(context.Background(), os.Stdin, out); err != nil {
		fmt.Fprintln(os.Stderr, "shindan-nuclei:", err)
		os.Exit(1)
	}
}
