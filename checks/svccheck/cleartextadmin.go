package svccheck

import (
	"fmt"
	"slices"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(cleartextAdmin{}) }

var _ checks.Check = cleartextAdmin{}

// cleartextAdmin implements service.cleartext-admin (Art. 55-1, 16-4-2):
// Telnet, FTP without AUTH TLS, rsh/rlogin/rexec, VNC without TLS, and
// POP3/IMAP without STARTTLS fail when they answer; SSH, FTP with AUTH TLS
// (or implicit TLS), VNC with VeNCrypt/TLS and mail access with STARTTLS
// pass. A host that answered discovery and has none of these problems
// passes as a whole, naming which administration ports were scanned.
type cleartextAdmin struct{}

func (cleartextAdmin) Info() checks.Info {
	return checks.Info{
		ID: "service.cleartext-admin", Articles: []string{"55-1", "16-4-2"},
		Needs: []string{scanners.ProbeSvcIdent, scanners.ProbePortTCP}, Severity: checks.High,
		Title: checks.T("平文で認証情報を送るサービス", "Service that sends credentials in cleartext"),
		Remediation: checks.T(
			"Telnet・rsh/rlogin/rexec は停止して SSH に置き換えてください。FTP は AUTH TLS（FTPS）または SFTP を、POP3/IMAP は STARTTLS または暗号化ポート（995/993）を、VNC は TLS（VeNCrypt）か SSH トンネルを必須にしてください。",
			"Replace Telnet and rsh/rlogin/rexec with SSH. Require AUTH TLS (FTPS) or SFTP for FTP, STARTTLS or the TLS ports (995/993) for POP3/IMAP, and TLS (VeNCrypt) or an SSH tunnel for VNC."),
	}
}

// adminPorts are where a failed identification leaves this check undecided:
// ftp 21, ssh 22, telnet 23, pop3 110, imap 143, rexec/rlogin/rsh 512-514,
// vnc 5900-5901. On other ports an unidentified service is most likely
// not an administration service, and service.version already reports it.
var adminPorts = []uint16{21, 22, 23, 110, 143, 512, 513, 514, 5900, 5901}

// Evaluate makes one finding per identified service this check knows, and
// one pass per host that answered discovery when nothing on it failed or
// stayed undecided: a host-level pass is what lets a report show the
// control as verified for a host with no such service at all, and it
// names the administration ports discovery did not scan.
func (c cleartextAdmin) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	var out []checks.Finding
	open := map[string]int{}
	bad := map[string]bool{}
	for _, o := range in.ByProbe(scanners.ProbeSvcIdent) {
		open[o.Target.Host()]++
		if o.Status == scanners.Interrupted {
			bad[o.Target.Host()] = true // identification did not finish: no host pass
		}
		sub := subject(o.Target.Proto, o.Target.Port)
		svc, ok := serviceOf(o)
		if !ok {
			if o.Status != scanners.OK && slices.Contains(adminPorts, o.Target.Port) {
				out = append(out, checks.Undecided(info, o, sub))
				bad[o.Target.Host()] = true
			}
			continue
		}
		f := checks.New(info, o.Target, sub)
		f.At, f.Evidence = o.At, o.Evidence
		d := describe(svc)
		pass := func(ja, en string) {
			f = f.Decided(checks.Pass)
			f.Detail = checks.T(d+": "+ja, d+": "+en)
		}
		fail := func(ja, en string) {
			f = f.Decided(checks.Fail)
			f.Detail = checks.T(d+": "+ja, d+": "+en)
		}
		switch svc.Name {
		case "telnet":
			fail("Telnet はパスワードを含む全通信を平文で送ります", "Telnet sends everything, passwords included, in cleartext")
		case "exec", "login", "shell":
			fail("r 系サービス（rexec/rlogin/rsh）は平文で認証し、送信元アドレスを信頼します",
				"the r-services (rexec/rlogin/rsh) authenticate in cleartext and trust source addresses")
		case "ssh":
			pass("SSH は通信を暗号化します", "SSH encrypts the session")
		case "ftp":
			anon := ""
			if svc.Attrs["anonymous"] == "yes" {
				anon = "anonymous"
			}
			switch {
			case svc.TLS:
				pass("暗黙的 TLS（FTPS）で提供されています", "served over implicit TLS (FTPS)")
			case svc.Attrs["auth-tls"] == "yes":
				pass("AUTH TLS による暗号化が提供されています", "AUTH TLS is offered")
			case anon != "":
				fail("AUTH TLS がなく、匿名ログインも受け付けます", "no AUTH TLS, and anonymous login is accepted")
			default:
				fail("AUTH TLS がなく、認証情報が平文で送られます", "no AUTH TLS: credentials travel in cleartext")
			}
		case "vnc":
			switch {
			case svc.TLS || svc.Attrs["vnc-tls"] == "yes":
				pass("TLS（VeNCrypt）によるセキュリティタイプが提供されています", "a TLS security type (VeNCrypt) is offered")
			case svc.Attrs["vnc-tls"] == "no":
				if svc.Attrs["auth"] == "none" {
					fail("TLS がなく、認証なしで接続できます", "no TLS, and the None security type lets anyone in")
				} else {
					fail("TLS がなく、VNC 認証と画面が平文同然で送られます", "no TLS: VNC authentication and the screen travel unprotected")
				}
			default:
				// vnc-tls unset: the security types could not be read, or
				// the server offered none and sent a reason instead
				// (RFC 6143 §7.1.2), e.g. "too many authentication
				// failures"; unknown is not a pass.
				u := checks.New(info, o.Target, sub).Decided(checks.Error)
				u.Detail = checks.T(d+": セキュリティタイプを取得できず判定できません（"+checks.Raw(svc.Attrs["refused"])+"）",
					d+": could not read the security types ("+svc.Attrs["refused"]+")")
				u.At, u.Evidence = o.At, o.Evidence
				f = u
			}
		case "pop3", "imap":
			if svc.TLS || svc.StartTLS {
				pass("TLS（STARTTLS または暗黙的 TLS）が提供されています", "TLS is offered (STARTTLS or implicit TLS)")
			} else {
				fail("STARTTLS がなく、パスワードが平文で送られます", "no STARTTLS: passwords travel in cleartext")
			}
		default:
			continue // not an administration or mail-access service
		}
		if f.Status != checks.Pass {
			bad[o.Target.Host()] = true
		}
		out = append(out, f)
	}
	sums := summaries(in)
	hosts := make([]string, 0, len(sums))
	for h, s := range sums {
		if s.answered && !bad[h] {
			hosts = append(hosts, h)
		}
	}
	slices.Sort(hosts)
	for _, h := range hosts {
		cov := coverage(sums[h], adminPorts)
		f := checks.New(info, sums[h].t, "").Decided(checks.Pass)
		f.Detail = checks.T(fmt.Sprintf("識別した %d 個の公開ポートに、認証情報を平文で送るサービスはありません%s", open[h], cov.JA),
			noneOf(open[h], "a service that sends credentials in cleartext")+" "+cov.EN)
		out = append(out, f)
	}
	return out
}
