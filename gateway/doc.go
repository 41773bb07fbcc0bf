// Package gateway is the HTTP side of Gatehouse: route matching and
// policies, the reverse proxy, identity headers, the login portal (HTML and
// JSON), forward-auth endpoints and the admin listener. It holds no
// authentication logic of its own; that lives in package auth.
//
// Files are split by concern: server.go builds the server and its
// surfaces, engine.go the gin engine and its routes, routes.go matches
// requests, policy.go decides, headers.go strips and sets identity
// headers, proxy.go forwards, authz.go and forwardauth.go answer front
// doors' forward-auth checks (original.go reads what they ask about),
// portal.go and api.go serve the login flows, redirect.go validates rd
// targets, errors.go maps errors to statuses.
// The portal's pages are templates/*.html with one stylesheet and one
// small script (portal_assets.go serves them and sets the page policy),
// their texts come from a message catalogue (messages.go,
// messages/en.yaml) and their colours from the brand colour (theme.go).
package gateway
