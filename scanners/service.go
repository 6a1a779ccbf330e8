package scanners

import "slices"

// TLSCapable reports whether the service speaks TLS or can upgrade to it.
func (s *Service) TLSCapable() bool { return s.TLS || s.StartTLS }

// Wanted reports whether a probe with the given ProbeInfo.Services list
// wants this endpoint.
func (s *Service) Wanted(services []string) bool {
	if len(services) == 0 {
		return true
	}
	if slices.Contains(services, "tls") && s.TLSCapable() {
		return true
	}
	return s.Name != "" && slices.Contains(services, s.Name)
}
