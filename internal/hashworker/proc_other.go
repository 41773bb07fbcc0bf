//go:build !linux

package hashworker

import "os/exec"

// setDeathSignal has no portable equivalent outside Linux.
func setDeathSignal(*exec.Cmd) {}

// lowerPriority is not implemented outside Linux.
func lowerPriority(int) error { return nil }
