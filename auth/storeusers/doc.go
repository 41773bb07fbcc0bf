// Package storeusers is the "redis" user backend: accounts kept in the
// gateway's store (Redis, or memory for the demo and tests), with unique
// username, email and phone number, sign-up reservations and password
// changes. It implements auth.UserRegistry.
package storeusers
