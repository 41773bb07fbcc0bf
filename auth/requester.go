package auth

import "context"

// Requester is who asked for a code, as the gateway saw the request.
type Requester struct {
	// IP is the client address, for the per-IP send quota ("" skips it).
	// IPv6 clients are counted by /64, and by /48 (IPv6SiteShare).
	IP string
	// Host is the host of the page the code will be typed on, already
	// checked to be one of the gateway's own hosts: the origin of the
	// WebOTP line. "" uses OTPConfig.WebOTPDomain.
	Host string
}

type requesterKey struct{}

// WithRequester returns a context carrying r for OTP's Start, StartDecoy
// and Resend.
func WithRequester(ctx context.Context, r Requester) context.Context {
	return context.WithValue(ctx, requesterKey{}, r)
}

// RequesterFrom returns the Requester in ctx, or the zero Requester.
func RequesterFrom(ctx context.Context) Requester {
	r, _ := ctx.Value(requesterKey{}).(Requester)
	return r
}
