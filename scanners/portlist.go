package scanners

import (
	"slices"
	"strconv"
	"strings"
)

// FormatPorts writes a port list compactly, sorted, with runs as ranges:
// "21-23,25,80,443". Discovery summaries carry it (PortState.Covered) so
// that a check can say which ports its verdict covers.
func FormatPorts(ports []uint16) string {
	ps := slices.Clone(ports)
	slices.Sort(ps)
	ps = slices.Compact(ps)
	var b strings.Builder
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1] == ps[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(ps[i])))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(ps[j])))
		}
		i = j + 1
	}
	return b.String()
}

// PortsContain reports whether a FormatPorts list contains p. A malformed
// element contains nothing.
func PortsContain(list string, p uint16) bool {
	for el := range strings.SplitSeq(list, ",") {
		lo, hi, found := strings.Cut(el, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if found {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if int(p) >= a && int(p) <= b {
			return true
		}
	}
	return false
}
