package httpscan

import (
	"fmt"
	"net/http"

	"shindan/scanners"
)

// writeHeaders sets the scanner's request headers: User-Agent, Accept and
// the probe's own. Every name and value is refused when it holds a control
// character: a CR or LF in --user-agent would otherwise end the header and
// start another one on the target (issue 13). net/http refuses such values
// too; this keeps the promise independent of the transport.
func writeHeaders(req *http.Request, ua string, hdr http.Header) error {
	if err := scanners.CheckHeaderValue(ua); err != nil {
		return fmt.Errorf("httpscan: User-Agent: %w", err)
	}
	if err := scanners.CheckWire(req.URL.Opaque); err != nil {
		return fmt.Errorf("httpscan: request path: %w", err)
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "*/*")
	for k, vs := range hdr {
		if err := scanners.CheckWire(k); err != nil || k == "" {
			return fmt.Errorf("httpscan: header name %q: refused", k)
		}
		for _, v := range vs {
			if err := scanners.CheckWire(v); err != nil {
				return fmt.Errorf("httpscan: header %s: %w", k, err)
			}
		}
		req.Header[k] = vs
	}
	return nil
}
