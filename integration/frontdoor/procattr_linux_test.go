package frontdoor_test

import "syscall"

// sysProcAttr makes the kernel kill a child (gatehouse, nginx, caddy) if
// the test binary dies without running its cleanups, so that no stray
// servers are left listening.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
