package hashworker

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"unsafe"
)

// setDeathSignal makes the kernel kill the worker when the gateway dies.
func setDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}

// schedIdle is Linux's SCHED_IDLE policy: the task runs only when no
// normal task wants the CPU, and a normal task that wakes up takes the CPU
// from it at once (nice 19 still gets a share, and delays wake-ups).
const schedIdle = 5

// lowerPriority puts every thread of the worker under SCHED_IDLE, and at
// nice 19 should the policy be refused. Both are per thread on Linux, and
// the Go runtime may have started threads already: each is set, and
// threads started later inherit it from the thread that starts them. The
// task list is read again until a pass finds no thread it had not set.
func lowerPriority(pid int) error {
	done := map[int]bool{}
	for range 10 {
		entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
		if err != nil {
			return err
		}
		fresh := false
		for _, e := range entries {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || done[tid] {
				continue
			}
			fresh = true
			if err := lowerThread(tid); err != nil && !errors.Is(err, syscall.ESRCH) {
				return err
			}
			done[tid] = true
		}
		if !fresh {
			return nil
		}
	}
	return nil
}

func lowerThread(tid int) error {
	var param struct{ priority int32 }
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(tid), schedIdle, uintptr(unsafe.Pointer(&param))) //nolint:gosec // G103: sched_setscheduler(2) takes a struct sched_param pointer, converted in the call as unsafe.Pointer rule 4 requires
	if errno == 0 {
		return nil
	}
	return syscall.Setpriority(syscall.PRIO_PROCESS, tid, 19)
}
