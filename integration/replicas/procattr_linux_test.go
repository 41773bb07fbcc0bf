package replicas

import "syscall"

// sysProcAttr makes the kernel kill a gateway process if the test binary
// dies without its cleanups.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
