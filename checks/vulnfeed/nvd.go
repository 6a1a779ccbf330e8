package vulnfeed

import "strings"

// nvdDoc is the part of an NVD CVE API 2.0 document that matching needs
// (https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema).
type nvdDoc struct {
	Vulnerabilities []struct {
		CVE struct {
			ID           string `json:"id"`
			Descriptions []struct {
				Lang  string `json:"lang"`
				Value string `json:"value"`
			} `json:"descriptions"`
			Metrics map[string][]struct {
				CVSSData struct {
					BaseScore    float64 `json:"baseScore"`
					BaseSeverity string  `json:"baseSeverity"`
				} `json:"cvssData"`
			} `json:"metrics"`
			Configurations []struct {
				Nodes []struct {
					CPEMatch []struct {
						Vulnerable            bool   `json:"vulnerable"`
						Criteria              string `json:"criteria"`
						VersionStartIncluding string `json:"versionStartIncluding"`
						VersionStartExcluding string `json:"versionStartExcluding"`
						VersionEndIncluding   string `json:"versionEndIncluding"`
						VersionEndExcluding   string `json:"versionEndExcluding"`
					} `json:"cpeMatch"`
				} `json:"nodes"`
			} `json:"configurations"`
		} `json:"cve"`
	} `json:"vulnerabilities"`
}

// metricOrder prefers the newest CVSS version the entry carries.
var metricOrder = []string{"cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"}

// vulns flattens every cpeMatch of every configuration into Matches.
// NVD configurations are AND/OR trees (the product on a platform); only
// the vulnerable leaves name the affected product, so the tree is not
// evaluated and the platform leaves are dropped. An entry with no
// matchable product is left out: it could never match a service.
func (d nvdDoc) vulns() ([]Vuln, error) {
	var out []Vuln
	for _, e := range d.Vulnerabilities {
		c := e.CVE
		if c.ID == "" {
			continue
		}
		v := Vuln{ID: c.ID}
		for _, ds := range c.Descriptions {
			if ds.Lang == "en" {
				v.Summary = firstSentence(ds.Value)
				break
			}
		}
		for _, k := range metricOrder {
			if ms := c.Metrics[k]; len(ms) > 0 {
				v.Score = ms[0].CVSSData.BaseScore
				v.Severity = strings.ToLower(ms[0].CVSSData.BaseSeverity)
				break
			}
		}
		if v.Severity == "" || v.Severity == "none" {
			v.Severity = severityOf(v.Score)
		}
		for _, cfg := range c.Configurations {
			for _, n := range cfg.Nodes {
				for _, m := range n.CPEMatch {
					if !m.Vulnerable {
						continue // a platform the product runs on, not the product
					}
					cp, ok := ParseCPE(m.Criteria)
					if !ok {
						continue
					}
					mm := Match{Vendor: cp.Vendor, Product: cp.Product,
						StartIncl: m.VersionStartIncluding, StartExcl: m.VersionStartExcluding,
						EndIncl: m.VersionEndIncluding, EndExcl: m.VersionEndExcluding}
					if cp.Version != "*" && cp.Version != "-" {
						mm.Version = cp.Version
					}
					v.Matches = append(v.Matches, mm)
				}
			}
		}
		if len(v.Matches) > 0 {
			out = append(out, v)
		}
	}
	return out, nil
}
