package webcheck

import (
	"shindan/checks"
	"shindan/scanners"
)

// tlsGapFinding is the error finding of a web check on an HTTPS endpoint
// whose TLS stack no hello of Go's crypto/tls can talk to: what the server
// wants, as its answer to a raw hello showed, and that the tls.* checks
// grade it anyway (their engine is raw, not crypto/tls).
func tlsGapFinding(info checks.Info, o scanners.Observation, g *scanners.TLSGap) checks.Finding {
	f := checks.Undecided(info, o, "")
	ja, en := gapText(g)
	srv := "（サーバーの応答: " + g.Server + "）"
	f.Detail = checks.T(
		"判定できませんでした（TLS 非互換）: "+ja+srv+"。Go の TLS 実装で通常・レガシー・短縮の各 ClientHello を試しましたが接続できず、Web の内容を検査できません。TLS の設定自体は tls.* の検査が評価しています。",
		"could not decide (TLS incompatible): "+en+" (server answered: "+g.Server+"); the modern, legacy and short ClientHellos of Go's crypto/tls all failed, so the web content could not be checked. The TLS configuration itself is graded by the tls.* checks.")
	return f
}

// gapText says in both languages what the server needs.
func gapText(g *scanners.TLSGap) (ja, en string) {
	switch g.Kind {
	case scanners.GapProtocol:
		return "サーバーは TLS 1.0 より古いプロトコル（" + g.What + "）しか受け付けず、Go の crypto/tls はこれを実装していません",
			"the server accepts only a protocol older than TLS 1.0 (" + g.What + "), which Go's crypto/tls does not implement"
	case scanners.GapKeyExchange:
		return "サーバーが選ぶ暗号スイート " + g.What + " の鍵交換（DHE 等）を Go の crypto/tls は実装していません",
			"the server chooses " + g.What + ", whose key exchange (DHE or similar) Go's crypto/tls does not implement"
	case scanners.GapCipher:
		return "サーバーが選ぶ暗号スイート " + g.What + "（Camellia、CBC-SHA384 等）を Go の crypto/tls は実装していません",
			"the server chooses " + g.What + " (Camellia, CBC-SHA384 or similar), which Go's crypto/tls does not implement"
	case scanners.GapGroup:
		return "サーバーは鍵交換グループ " + g.What + " を要求し、Go の crypto/tls はこれを実装していません",
			"the server requires the key-exchange group " + g.What + ", which Go's crypto/tls does not implement"
	case scanners.GapAlert:
		if g.NoSNI && g.What == "unrecognized_name" {
			return "サーバーはサーバー名（SNI）を必須としていますが、アドレスで検査したため SNI を送っていません（ホスト名で検査してください）",
				"the server requires a server name (SNI), and none was sent since the target is an address (scan it by host name)"
		}
		ja, en = "サーバーはポリシーの全スイート・全グループを提示した ClientHello も拒否しました", "the server refused even a ClientHello offering every suite and group of the policy"
		if g.NoSNI {
			ja += "。アドレスで検査したため SNI（サーバー名）を送っておらず、名前の指定が必要なサーバーと考えられます（ホスト名で検査してください）"
			en += "; no server name (SNI) was sent since the target is an address, and the server likely needs one (scan it by host name)"
		}
		return ja, en
	}
	return "サーバーは OCSP status_request と SCT を要求しない ClientHello には Go の crypto/tls が実装する内容で応答しますが、これらを常に送る crypto/tls の ClientHello は拒否します",
		"the server answers a ClientHello without OCSP status_request and SCT request with parameters Go's crypto/tls implements, but refuses crypto/tls's hellos, which always carry them"
}
