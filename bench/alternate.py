#!/usr/bin/python3
"""Times short commands against each other: runs them in turn, ROUNDS times each, and
prints the median wall time of each (with the quartiles) and its median CPU time.

Usage:
  alternate.py [--rounds N] -- COMMAND1 ;; COMMAND2 [;; COMMAND3 ...]

Example (newton against LIBLINEAR on one set, 15 runs each):
  /usr/bin/python3 bench/alternate.py --rounds 15 -- \\
      build/release/cli/logreg train --solver newton --C 1 --penalize-bias -q -o /tmp/m.json D/train.svm ';;' \\
      liblinear-train -s 0 -c 1 -B 1 D/train.svm /tmp/ll.model

Each command is started directly (posix_spawn, output to /dev/null) and reaped with
os.wait4, so no /usr/bin/time or shell is timed with it: for runs of 10-100 ms those add
1-3 ms to every command and pull the ratios towards 1. Running the commands in turn lets
a change in the machine's load hit all of them alike. Peak memory is not reported: a
child spawned from this process would report this Python's resident size as its own
(compare_peers.py measures it through /usr/bin/time).
"""
import argparse
import os
import shlex
import statistics
import sys
import time


def parse_commands(words):
    commands, current = [], []
    for word in words:
        if word == ";;":
            commands.append(current)
            current = []
        else:
            current.append(word)
    commands.append(current)
    if any(not c for c in commands):
        raise SystemExit("alternate.py: an empty command (two ';;' in a row, or one at an end)")
    return commands


def run_once(command, devnull):
    start = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"alternate.py: {shlex.join(command)} exited with {code}")
    return wall, usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("commands", nargs=argparse.REMAINDER, help="-- COMMAND1 ;; COMMAND2 ...")
    args = parser.parse_args()
    words = args.commands[1:] if args.commands[:1] == ["--"] else args.commands
    if not words:
        parser.error("no command given")
    commands = parse_commands(words)
    walls = [[] for _ in commands]
    cpus = [[] for _ in commands]
    devnull = os.open(os.devnull, os.O_WRONLY)
    for _ in range(args.rounds):
        for k, command in enumerate(commands):
            wall, cpu = run_once(command, devnull)
            walls[k].append(wall * 1000.0)
            cpus[k].append(cpu * 1000.0)
    first = statistics.median(walls[0])
    print(f"{args.rounds} rounds; load average {os.getloadavg()[0]:.1f}")
    for k, command in enumerate(commands):
        ordered = sorted(walls[k])
        quarter = len(ordered) // 4
        median = statistics.median(ordered)
        print(f"{median:9.2f} ms (quartiles {ordered[quarter]:.2f}-{ordered[-quarter - 1]:.2f}), "
              f"cpu {statistics.median(cpus[k]):8.2f} ms, {median / first:5.2f}x the first: {shlex.join(command)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
