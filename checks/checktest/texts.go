package checktest

import (
	"regexp"
	"strings"
	"unicode"
)

// The golden cases are where every check's texts can be read at once, so
// two rules about wording are held there (Run applies them to each case):
// English counts agree with their noun ("1 entry", never "1 entries"), and
// a Japanese text is Japanese.

// countedNoun finds "1 <word> [<word> [<word>]]": the count, then a noun
// that may follow qualifiers ("1 identified open port", "1 DNS-querying
// term", "1 TLS handshake").
var countedNoun = regexp.MustCompile(`(?:^|[^\w.,:/-])1 ([A-Za-z-]+)(?: ([A-Za-z-]+))?(?: ([a-z]+))?`)

// qualifiers stand between a count and its noun; the noun is the next word.
var qualifiers = map[string]bool{"more": true, "open": true, "identified": true, "accepted": true,
	"void": true, "other": true, "new": true, "unique": true, "distinct": true, "remaining": true}

// singularS are English singular nouns and units that end in s.
var singularS = map[string]bool{"ms": true, "s": true, "class": true, "status": true, "address": true,
	"process": true, "alias": true, "bus": true, "pass": true, "access": true, "miss": true, "less": true,
	"is": true, "was": true, "has": true, "as": true, "its": true, "this": true, "plus": true, "series": true}

// OnePlural returns the phrases of en that count one of a plural noun
// ("1 entries", "1 more bytes"), none when every count agrees.
func OnePlural(en string) []string {
	var bad []string
	for _, m := range countedNoun.FindAllStringSubmatch(en, -1) {
		noun := m[1]
		for i := 2; i < len(m) && m[i] != "" && qualifier(noun); i++ {
			noun = m[i]
		}
		if plural(noun) {
			bad = append(bad, strings.TrimLeft(m[0], " ([{"))
		}
	}
	return bad
}

// qualifier: a word that stands before the counted noun: an adjective of
// the list, a compound ("DNS-querying") or an acronym ("TLS").
func qualifier(w string) bool {
	return qualifiers[w] || strings.Contains(w, "-") || w != strings.ToLower(w)
}

func plural(w string) bool {
	lw := strings.ToLower(w)
	if w != lw || len(w) < 3 || !strings.HasSuffix(w, "s") || singularS[w] {
		return false // an acronym ("DNS", "TLS") or a singular in s
	}
	return !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is")
}

// quoted are the spans of a Japanese text that hold text as it was
// recorded or as it is typed: checks.Raw's 「」 (a probe's or a server's
// words), `config` and "values".
var quoted = regexp.MustCompile("「[^」]*」|`[^`]*`|\"[^\"]*\"")

// technical are lowercase names that a Japanese text writes as they are:
// services, protocols, products, units and field names that have no
// Japanese form.
var technical = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`nginx apache chrony memcached iptables ip6tables nftables
		redis mongodb mssql mysql postgresql elasticsearch ssh ftp telnet vnc imap pop3 http https dns
		udp tcp smtp ntp snmp ldap rdp smb ms login chargen qotd ssdp rexec rlogin rsh rcode`) {
		technical[w] = true
	}
}

// EnglishInJA returns the English words of a Japanese text: lowercase
// ASCII words standing alone (not part of a name, address, path or
// setting such as "v=spf1", "ns1.x.", "tcp/80") outside the quoted spans,
// and not one of the technical names. Capitalised words are product and
// protocol names (Apache, Postfix, Heartbleed) and pass.
func EnglishInJA(ja string) []string {
	var bad []string
	for _, tok := range strings.FieldsFunc(quoted.ReplaceAllString(ja, " "), func(r rune) bool { return r <= ' ' || r > '~' }) {
		w := strings.Trim(tok, "()[]{},;:!?'") // a final dot stays: "offline." is a DNS name
		if len(w) < 2 || technical[w] || strings.IndexFunc(w, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
			continue
		}
		bad = append(bad, w)
	}
	return bad
}

// pendingJA are the checks whose Japanese texts still carry English words
// (a probe's payload descriptions written in English, or remediation
// settings not yet set in backquotes), with what is left. Run reports
// their texts no more than it reports their absence; it fails once a
// check's texts are clean, so the list only shrinks.
var pendingJA = map[string]string{
	"http.cleartext-login":   "webcheck (httptls edits it this wave): fetch errors unquoted",
	"http.directory-listing": "webcheck: listing format names, remediation settings",
	"http.exposed-files":     "webcheck: the path list describes each file in English",
	"http.hosting-org":       "webcheck: fetch errors unquoted",
	"http.https-redirect":    "webcheck: fetch errors unquoted",
	"http.info-disclosure":   "webcheck: remediation settings not in backquotes",
	"http.methods":           "webcheck: method test records",
	"http.robots":            "webcheck: fetch errors unquoted",
	"http.security-headers":  "webcheck: remediation header values",
}

// JapaneseInEN returns the Japanese runs of an English text outside
// quoted values ("...", 「...」): a name a server gave (an organisation, a
// page title) is data and is quoted; anything else is an untranslated
// fragment, such as a list name in a policy note.
func JapaneseInEN(en string) []string {
	var bad []string
	run := []rune{}
	for _, r := range quoted.ReplaceAllString(en, " ") + " " {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			run = append(run, r)
			continue
		}
		if len(run) > 0 {
			bad, run = append(bad, string(run)), run[:0]
		}
	}
	return bad
}
