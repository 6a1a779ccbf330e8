// Package scanners is the probe layer's vocabulary: targets, observations,
// the Probe and Sweeper contracts and the Env a probe borrows from the
// engine. Implementations live in subpackages (portscan, svcscan, ...), and
// only plain values defined here cross into the checks layer.
package scanners
