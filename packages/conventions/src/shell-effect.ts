// Whether a shell command can change state. The analyzers count a repeated call as waste only
// when nothing that could change its result ran in between, so every command an agent runs is
// classed as a pure read or a write. A wrong "write" only hides some waste; a wrong "read"
// invents waste: anything not known to be a read is a write.

import { parseJsonText } from "./json-text.ts";

export type CommandEffect = "read" | "write";

/** Tool names that run shell commands. */
export const SHELL_TOOL_PATTERN =
  /^(bash|sh|zsh|shell|terminal|run_shell_command|execute_command|run_command|execute_bash|bash_tool|cmd|exec|run_terminal_cmd|container\.exec)$/i;

/** Commands that only read, whatever their arguments (redirections aside). */
const READS = new Set([
  "cat",
  "tac",
  "head",
  "tail",
  "less",
  "more",
  "nl",
  "grep",
  "egrep",
  "fgrep",
  "rg",
  "ag",
  "ack",
  "ls",
  "ll",
  "dir",
  "tree",
  "wc",
  "cut",
  "tr",
  "column",
  "paste",
  "diff",
  "cmp",
  "comm",
  "file",
  "stat",
  "du",
  "df",
  "pwd",
  "echo",
  "printf",
  "which",
  "type",
  "whereis",
  "whatis",
  "printenv",
  "id",
  "whoami",
  "hostname",
  "uname",
  "date",
  "cal",
  "od",
  "xxd",
  "hexdump",
  "strings",
  "basename",
  "dirname",
  "realpath",
  "readlink",
  "jq",
  "cd",
  "pushd",
  "popd",
  "true",
  "false",
  "test",
  "[",
  "[[",
  "sleep",
  "ps",
  "free",
  "nproc",
  "locale",
  "seq",
  "md5sum",
  "sha1sum",
  "sha256sum",
  "sha512sum",
  "cksum",
  "man",
  "help",
  "history",
  "export",
  "set",
  "unset",
  "exit",
  "return",
  "fold",
  "fmt",
  "expand",
  "rev",
  "look",
  "zcat",
  "zgrep",
  "bzcat",
  "xzcat",
  "lsof",
  "env",
]);

/** Prefixes that run the command after them. */
const WRAPPERS = new Set(["time", "nice", "nohup", "sudo", "command", "builtin", "exec", "stdbuf"]);

const GIT_READS = new Set([
  "diff",
  "log",
  "show",
  "status",
  "grep",
  "blame",
  "ls-files",
  "ls-tree",
  "rev-parse",
  "describe",
  "shortlog",
  "cat-file",
  "rev-list",
  "name-rev",
  "whatchanged",
  "merge-base",
  "help",
  "version",
]);

/** Output to these targets changes nothing. */
const HARMLESS_TARGET = /^(\/dev\/null|\/dev\/stdout|\/dev\/stderr|&\d*-?)$/;

interface Segment {
  words: string[];
  /** An output redirection to a file. */
  writes: boolean;
}

/**
 * Splits a command into simple commands (pipelines, lists, groups taken apart), each as its
 * words with quotes removed. Heredoc bodies are data and are skipped; output redirections are
 * noted. Never throws: what cannot be parsed ends up in some word.
 */
export function shellSegments(command: string): Segment[] {
  const segments: Segment[] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  let writes = false;
  let pendingTarget: "out" | "heredoc" | "in" | undefined;
  const heredocs: { tag: string; strip: boolean }[] = [];

  const endWord = () => {
    if (!inWord) return;
    if (pendingTarget === "out") {
      if (!HARMLESS_TARGET.test(word)) writes = true;
    } else if (pendingTarget === "heredoc") {
      heredocs.push({ tag: word.replace(/^-/, ""), strip: word.startsWith("-") });
    } else if (pendingTarget !== "in") {
      words.push(word);
    }
    pendingTarget = undefined;
    word = "";
    inWord = false;
  };
  const endSegment = () => {
    endWord();
    if (words.length > 0 || writes) segments.push({ words, writes });
    words = [];
    writes = false;
  };

  let i = 0;
  const n = command.length;
  while (i < n) {
    const c = command[i] as string;
    if (c === "\\" && i + 1 < n) {
      if (command[i + 1] !== "\n") {
        word += command[i + 1];
        inWord = true;
      }
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      word += command.slice(i + 1, end === -1 ? n : end);
      inWord = true;
      i = end === -1 ? n : end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < n && command[j] !== '"') j += command[j] === "\\" ? 2 : 1;
      word += command.slice(i + 1, Math.min(j, n)).replace(/\\(.)/g, "$1");
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === "$" && command[i + 1] === "(") {
      // Command substitution: kept opaque inside the word, nesting counted.
      let depth = 0;
      let j = i + 1;
      for (; j < n; j++) {
        if (command[j] === "(") depth++;
        else if (command[j] === ")" && --depth === 0) break;
      }
      word += command.slice(i, j + 1);
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === "`") {
      const end = command.indexOf("`", i + 1);
      word += command.slice(i, end === -1 ? n : end + 1);
      inWord = true;
      i = end === -1 ? n : end + 1;
      continue;
    }
    if (c === "#" && !inWord) {
      while (i < n && command[i] !== "\n") i++;
      continue;
    }
    if (c === "\n") {
      endSegment();
      i++;
      // Heredoc bodies start on the next line: skip each up to its terminator.
      for (const doc of heredocs.splice(0)) {
        while (i < n) {
          const lineEnd = command.indexOf("\n", i);
          const line = command.slice(i, lineEnd === -1 ? n : lineEnd);
          i = lineEnd === -1 ? n : lineEnd + 1;
          if ((doc.strip ? line.replace(/^\t+/, "") : line) === doc.tag) break;
        }
      }
      continue;
    }
    if (c === " " || c === "\t") {
      endWord();
      i++;
      continue;
    }
    if (c === ";" || c === "|" || c === "&" || c === "(" || c === ")" || c === "{" || c === "}") {
      // `&>` and `>&` are redirections, `2>&1` too (handled with `>`).
      if (c === "&" && command[i + 1] === ">") {
        endWord();
        pendingTarget = "out";
        i += command[i + 2] === ">" ? 3 : 2;
        continue;
      }
      // Braces group commands only as words of their own (`{ a; b; }`); `{}` and `a{b,c}` are text.
      const alone = c === "{" ? /[\s]/.test(command[i + 1] ?? " ") : /[\s;&|)]/.test(command[i + 1] ?? " ");
      if ((c === "{" || c === "}") && (inWord || !alone)) {
        word += c;
        inWord = true;
        i++;
        continue;
      }
      endSegment();
      i += (c === "|" || c === "&") && command[i + 1] === c ? 2 : 1;
      continue;
    }
    if (c === ">") {
      // A file descriptor number right before (`2>`) belongs to the redirection.
      if (inWord && /^\d+$/.test(word)) {
        word = "";
        inWord = false;
      }
      endWord();
      pendingTarget = "out";
      i += command[i + 1] === ">" || command[i + 1] === "|" ? 2 : 1;
      if (command[i] === "&") {
        // `>&2`: a duplicated descriptor, not a file.
        let j = i + 1;
        while (j < n && /[\d-]/.test(command[j] as string)) j++;
        pendingTarget = undefined;
        i = j;
      }
      continue;
    }
    if (c === "<") {
      endWord();
      if (command[i + 1] === "<" && command[i + 2] !== "<") {
        pendingTarget = "heredoc";
        i += 2;
        if (command[i] === "-") {
          word = "-";
          i++;
        }
      } else {
        pendingTarget = "in";
        i += command[i + 1] === "<" ? 3 : 1;
      }
      while (command[i] === " ") i++;
      continue;
    }
    word += c;
    inWord = true;
    i++;
  }
  endSegment();
  return segments;
}

/** Where the system's own programs live: `/usr/bin/grep` is grep, `bin/test` is a project's script. */
const SYSTEM_BIN = /^\/(usr\/(local\/)?)?s?bin\/[^/]+$/;

/** The program a word runs: its bare name, or the path itself when it is not a system program. */
const commandName = (word: string) =>
  !word.includes("/") ? word : SYSTEM_BIN.test(word) ? word.slice(word.lastIndexOf("/") + 1) : word;

/** The words of a segment after assignments and wrappers: the command that really runs. */
function unwrapped(words: readonly string[]): string[] {
  let rest = [...words];
  for (;;) {
    while (rest.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0] as string)) rest = rest.slice(1);
    const name = commandName(rest[0] ?? "");
    if (WRAPPERS.has(name)) {
      rest = rest.slice(1);
      while (rest[0]?.startsWith("-")) rest = rest.slice(1);
    } else if (name === "env" && rest.length > 1) {
      rest = rest.slice(1);
      while (rest[0]?.startsWith("-")) rest = rest.slice(1);
    } else if (name === "timeout") {
      rest = rest.slice(1);
      while (rest[0]?.startsWith("-")) rest = rest.slice(1);
      rest = rest.slice(1); // the duration
    } else {
      return rest;
    }
  }
}

function sedEffect(args: readonly string[]): CommandEffect {
  const scripts: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const a = args[k] as string;
    if (a === "--in-place" || a.startsWith("--in-place=") || /^-[a-zA-Z]*i/.test(a)) return "write";
    if (a === "-e" || a === "--expression") scripts.push(args[++k] ?? "");
    else if (a === "-f" || a === "--file") return "write";
    else if (!a.startsWith("-") && scripts.length === 0) scripts.push(a);
  }
  // `w file` in the script writes a file.
  return scripts.some((s) => /(^|[;}\s/\d$])[wW]\s+\S/.test(s)) ? "write" : "read";
}

function gitEffect(args: readonly string[]): CommandEffect {
  let k = 0;
  while (k < args.length && (args[k] as string).startsWith("-")) {
    // Options with a value: `-C dir`, `-c key=value`.
    k += args[k] === "-C" || args[k] === "-c" ? 2 : 1;
  }
  const sub = args[k];
  const rest = args.slice(k + 1);
  if (sub === undefined) return "read";
  if (GIT_READS.has(sub)) return "read";
  const onlyFlags = (allowed: RegExp) => rest.every((a) => allowed.test(a));
  if (sub === "branch")
    return onlyFlags(
      /^(-a|-r|-v|-vv|--all|--list|--show-current|--remotes|--verbose|--no-color|--contains|[^-].*)$/,
    ) &&
      !rest.some((a) => /^-[dDmMcC]$/.test(a)) &&
      rest.filter((a) => !a.startsWith("-")).length === 0
      ? "read"
      : "write";
  if (sub === "remote") return onlyFlags(/^(-v|--verbose)$/) ? "read" : "write";
  if (sub === "config") return rest.some((a) => /^(--get|--get-all|--list|-l)$/.test(a)) ? "read" : "write";
  if (sub === "stash") return rest[0] === "list" || rest[0] === "show" ? "read" : "write";
  if (sub === "tag")
    return rest.length === 0 || rest.every((a) => a === "-l" || a === "--list") ? "read" : "write";
  if (sub === "reflog") return rest[0] === "expire" || rest[0] === "delete" ? "write" : "read";
  return "write";
}

function findEffect(args: readonly string[]): CommandEffect {
  for (let k = 0; k < args.length; k++) {
    const a = args[k] as string;
    if (a === "-delete" || a.startsWith("-fprint") || a === "-fls") return "write";
    if (a === "-exec" || a === "-execdir" || a === "-ok" || a === "-okdir") {
      const inner: string[] = [];
      for (k++; k < args.length && args[k] !== ";" && args[k] !== "+"; k++) inner.push(args[k] as string);
      if (wordsEffect(inner) === "write") return "write";
    }
  }
  return "read";
}

function awkEffect(args: readonly string[]): CommandEffect {
  if (args.some((a, k) => a === "-i" && args[k + 1] === "inplace")) return "write";
  const program = args.find((a) => !a.startsWith("-")) ?? "";
  // Redirections or commands run from inside the program.
  const code = program.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  // In awk, `>` after print is a redirection and elsewhere a comparison.
  return /\bprintf?\b[^;}]*(>|\|)|system\s*\(|\|\s*getline/.test(code) ? "write" : "read";
}

function perlEffect(args: readonly string[]): CommandEffect {
  if (args.some((a) => /^-[a-zA-Z]*i/.test(a))) return "write";
  const k = args.findIndex((a) => /^-[a-zA-Z]*e$/.test(a));
  if (k === -1) return "write"; // a script file
  const code = args[k + 1] ?? "";
  return /unlink|rename|open\s*\(?[^;]*>|system|`|mkdir|rmdir|chmod/.test(code) ? "write" : "read";
}

function wordsEffect(words: readonly string[]): CommandEffect {
  const rest = unwrapped(words);
  const first = rest[0];
  if (first === undefined) return "read";
  const name = commandName(first);
  const args = rest.slice(1);
  if (name === "xargs") {
    let k = 0;
    while (k < args.length && (args[k] as string).startsWith("-")) {
      k += /^-[InLPdE]$/.test(args[k] as string) ? 2 : 1;
    }
    return k >= args.length ? "read" : wordsEffect(args.slice(k));
  }
  if (READS.has(name)) return "read";
  switch (name) {
    case "sed":
      return sedEffect(args);
    case "git":
      return gitEffect(args);
    case "find":
      return findEffect(args);
    case "awk":
    case "gawk":
    case "mawk":
      return awkEffect(args);
    case "perl":
      return perlEffect(args);
    case "sort":
      return args.some((a) => a === "-o" || a.startsWith("--output")) ? "write" : "read";
    case "uniq":
      return args.filter((a) => !a.startsWith("-")).length > 1 ? "write" : "read";
    case "tee":
      return args.filter((a) => !a.startsWith("-")).every((a) => HARMLESS_TARGET.test(a)) ? "read" : "write";
    case "pip":
    case "pip3":
      return ["show", "list", "freeze", "--version", "-V", "search", "check", "help"].includes(args[0] ?? "")
        ? "read"
        : "write";
    case "python":
    case "python3":
    case "node":
      return args.length === 1 && /^(--version|-V)$/.test(args[0] as string) ? "read" : "write";
    default:
      return "write";
  }
}

/** `read` when every part of the command only reads; `write` otherwise, or when unsure. */
export function commandEffect(command: string): CommandEffect {
  for (const segment of shellSegments(command)) {
    if (segment.writes || wordsEffect(segment.words) === "write") return "write";
  }
  return "read";
}

/**
 * The command of a shell tool call as instrumentations record its arguments: a plain string, or
 * an object (or JSON text of one) with `command`, `cmd`, `script`, `code`, `input` or `commands`.
 */
export function shellCommandOf(args: unknown): string | undefined {
  let value = args;
  if (typeof value === "string") {
    const text = value.trim();
    if (!text.startsWith("{")) return value;
    const parsed = parseJsonText(text);
    if (parsed === undefined) return value;
    value = parsed;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ["command", "cmd", "script", "code", "input", "commands"]) {
    const field = record[key];
    if (typeof field === "string") return field;
    if (Array.isArray(field) && field.every((f) => typeof f === "string")) return field.join("\n");
  }
  return undefined;
}
