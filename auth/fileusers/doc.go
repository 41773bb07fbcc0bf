// Package fileusers is the file user backend: users defined in a YAML file
// (users.yaml, see docs/contract.md, "users.yaml (file backend)") that
// operators edit by hand or ship as a Kubernetes ConfigMap.
//
// The whole file is validated at once and every problem is reported as
// "FILE:LINE: message". Lookups go to an immutable snapshot, so they are
// lock-free; Run polls the file and swaps in a new snapshot when the file
// changes, keeping the last good one when an edit breaks the file.
package fileusers
