package gateway_test

import (
	"fmt"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// siteAsk is one request of siteAsks: who asks, from where, and the
// status it must get.
type siteAsk struct {
	name, ip string
	want     int
}

// siteAsks is the requests that show a per-client limit of perClient
// shared by an IPv6 /48's /64s as auth.IPv6SiteShare clients' limits
// (docs/contract.md, "SMS delivery", "Regulation"), one request each,
// from the /48 2001:db8:n::/48. The first /64 spends its own limit and
// is refused once more (a refusal takes nothing of the /48's), the
// other /64s spend the /48's to the last, and then any /64 of it is
// refused; another /48 and an IPv4 client get ok.
func siteAsks(n, perClient, ok int) []siteAsk {
	site := fmt.Sprintf("2001:db8:%x", n)
	var asks []siteAsk
	for j := range perClient {
		asks = append(asks, siteAsk{"the first /64", fmt.Sprintf("%s::%x", site, j+1), ok})
	}
	asks = append(asks, siteAsk{"the first /64 past its own limit", site + "::ffff", http.StatusTooManyRequests})
	for i := 1; i < auth.IPv6SiteShare; i++ {
		for j := range perClient {
			asks = append(asks, siteAsk{fmt.Sprintf("/64 number %d of the /48", i+1), fmt.Sprintf("%s:%x::%x", site, i, j+1), ok})
		}
	}
	return append(asks,
		siteAsk{"one /64 more of the same /48", site + ":ffff::1", http.StatusTooManyRequests},
		siteAsk{"another address in another of its /64s", site + ":abcd:1:2:3:4", http.StatusTooManyRequests},
		siteAsk{"another /48", fmt.Sprintf("2001:db8:%x::1", n+1), ok},
		siteAsk{"an IPv4 client", fmt.Sprintf("198.51.100.%d", n%250), ok},
	)
}
