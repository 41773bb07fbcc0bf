package hashworker

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill the worker when the gateway dies.
func setDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// lowerPriority sets the worker's nice value to 19, the lowest priority.
func lowerPriority(pid int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, pid, 19)
}
