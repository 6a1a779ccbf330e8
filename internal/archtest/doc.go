// Package archtest holds tests that keep the architecture honest: the
// import rules of DEVELOPING.md and a doc comment on every package.
package archtest
