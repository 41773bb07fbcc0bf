package testbin

import "syscall"

// sysProcAttr makes the kernel kill the process if the test binary dies
// without its cleanups.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
