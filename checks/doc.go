// Package checks maps observations to articles of the standard. A check is
// a pure function from observations and policy to findings: nothing in this
// package or its area subpackages does I/O, reads clocks or keeps state.
package checks
