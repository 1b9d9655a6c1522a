import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Reads Linux /proc for what pidusage does not give: a process's start time (so a pid
 * recorded before a host restart is only killed if it is still the same process, not a
 * reused pid) and the members of each process group (an agent is a group leader, so its
 * tools and MCP servers are the processes whose pgid is the agent's pid).
 */
interface StatFields {
  pid: number;
  ppid: number;
  pgid: number;
  /** clock ticks since boot */
  startTime: number;
}

function parseStat(text: string): StatFields | undefined {
  // the command name (field 2) may contain spaces and parentheses: cut at the last ')'
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4, pgrp field 5, starttime field 22
  return { pid, ppid: Number(rest[1]), pgid: Number(rest[2]), startTime: Number(rest[19]) };
}

function readStat(pid: number): StatFields | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Start time in clock ticks since boot, or 0 when the process does not exist. */
export function processStartTime(pid: number): number {
  return readStat(pid)?.startTime ?? 0;
}

export function isSameProcess(pid: number, startTime: number): boolean {
  if (pid <= 0) return false;
  const stat = readStat(pid);
  return stat !== undefined && (startTime === 0 || stat.startTime === startTime);
}

/** pgid → pids, for the given group ids only, from one pass over /proc. */
export function processGroups(pgids: ReadonlySet<number>): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  if (pgids.size === 0) return groups;
  for (const name of readdirSync('/proc')) {
    const first = name.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = readStat(Number(name));
    if (!stat || !pgids.has(stat.pgid)) continue;
    const list = groups.get(stat.pgid) ?? [];
    list.push(stat.pid);
    groups.set(stat.pgid, list);
  }
  return groups;
}

/** CONFIG_PROC_CHILDREN: the kernel lists each task's children (Linux 3.5+, on in common kernels). */
const HAS_CHILDREN_FILES = existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

/**
 * Every descendant of a process (children, their children, …), from
 * /proc/<pid>/task/<tid>/children: a few reads per tree, where processGroups reads every
 * process of the machine — which, once per agent stopped, made stopping 500 agents take
 * half a minute. Undefined when the kernel does not offer those files.
 */
export function descendants(pid: number): number[] | undefined {
  if (!HAS_CHILDREN_FILES) return undefined;
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift() as number;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${current}/task`);
    } catch {
      continue; // gone meanwhile
    }
    for (const tid of tasks) {
      let text: string;
      try {
        text = readFileSync(`/proc/${current}/task/${tid}/children`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      for (const child of text.split(' ').filter(Boolean).map(Number)) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}
