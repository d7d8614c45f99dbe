/* pause: the pod sandbox's first process for msb's CRI tests and bench (Kubernetes' pause image
 * does the same). It waits for signals, reaps children, and exits 0 on SIGINT or SIGTERM. Built
 * with gcc -static into an image of its own (src/cri/local-images.ts). */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, 0, WNOHANG) > 0) {} }

int main(void) {
  signal(SIGINT, quit);
  signal(SIGTERM, quit);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
