// Package nucleienv keeps nuclei and its dependencies out of the user's
// home. Their package init functions create directories and write files
// (nuclei's config under NUCLEI_CONFIG_DIR or ~/.config/nuclei, uncover's
// ~/.config/uncover/provider-config.yaml), before any code of ours could
// run. Go initialises ready packages in import-path order, and this
// package imports only os and has the lowest path, so its init runs first:
// it points NUCLEI_CONFIG_DIR, XDG_CONFIG_HOME and XDG_CACHE_HOME at a
// private temporary directory. It also empties PATH while those inits
// run: tlsx's init looks up an openssl binary, runs "openssl version" and
// "openssl ciphers" and writes openssl.cnf into the temp folder, which
// cost every shindan command (history and diff included) about 110 ms
// and started programs the scan never asked for; without PATH it finds
// none and leaves its openssl mode off. The garbage collector is off
// from here until Restore too: the inits allocate about 26 MB of which
// little survives, and collections during them are a visible share of a
// one-endpoint TLS scan. Some inits (chroma's lexers) are ready, and run,
// before this one, so this saves one of the three collections a start
// made: --version 68-87 ms of CPU before, 67-68 ms after. Restore, called
// from nucleiscan's init (which runs after all of nuclei's), puts the
// variables and the collector's setting back.
package nucleienv

import (
	"os"
	"path/filepath"
	"runtime/debug"
)

// Created is the private directory this package made ("" when it could
// not); nucleiscan uses it and removes it on Close.
var Created string

var saved = map[string]*string{}

// gcPercent is the collector's setting before init turned it off (GOGC).
var gcPercent = 100

func init() {
	gcPercent = debug.SetGCPercent(-1)
	d, err := os.MkdirTemp("", "shindan-nuclei-")
	if err != nil {
		return // nuclei falls back to its defaults
	}
	Created = d
	set := func(k, v string) {
		if old, ok := os.LookupEnv(k); ok {
			saved[k] = &old
		} else {
			saved[k] = nil
		}
		os.Setenv(k, v) //nolint:errcheck // cannot fail for a valid key
	}
	if os.Getenv("NUCLEI_CONFIG_DIR") == "" {
		os.Setenv("NUCLEI_CONFIG_DIR", d) //nolint:errcheck
	}
	set("XDG_CONFIG_HOME", filepath.Join(d, "xdg-config"))
	set("XDG_CACHE_HOME", filepath.Join(d, "xdg-cache"))
	set("PATH", "")
}

// Restore puts back the variables changed by init (XDG_*, PATH) and the
// collector's setting.
func Restore() {
	debug.SetGCPercent(gcPercent)
	for k, v := range saved {
		if v == nil {
			os.Unsetenv(k) //nolint:errcheck
		} else {
			os.Setenv(k, *v) //nolint:errcheck
		}
	}
	saved = map[string]*string{}
}
