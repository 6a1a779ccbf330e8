package checks

import "strconv"

// Count is n followed by the English noun in the number n asks for:
// Count(1, "entry", "entries") is "1 entry", Count(3, ...) "3 entries".
// English texts built from a count use it so that no report says
// "1 entries"; Japanese has no plural and keeps its counter words.
// Both forms are spelled out because English plurals are irregular
// (entry/entries, address/addresses).
func Count(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Plural(n, one, many)
}

// Plural is the noun alone, for texts where words stand between the count
// and the noun ("1 of the 3 paths", "1 identified open port").
func Plural(n int, one, many string) string {
	if n == 1 || n == -1 {
		return one
	}
	return many
}
