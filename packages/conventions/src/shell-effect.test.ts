import { describe, expect, it } from "vitest";
import { commandEffect, SHELL_TOOL_PATTERN, shellCommandOf } from "./shell-effect.ts";

describe("commandEffect", () => {
  it.each([
    ["cat file | grep x | head", "a pipeline of reads"],
    ["grep -rn foo . 2>&1 | head -20", "stderr joined to stdout"],
    ["ls > /dev/null", "output thrown away"],
    ["echo hi >&2", "output to another descriptor"],
    ["sed -n '10,20p' f", "sed printing"],
    ["cd /testbed && git diff", "cd, then a git read"],
    ["git -C repo --no-pager status", "git options before the subcommand"],
    ["git stash list", "listing the stash"],
    ["find . -name '*.py' -exec grep -l foo {} \\;", "find running a read"],
    ["timeout 10 cat f", "a wrapped read"],
    ['grep ">" file', "a quoted >"],
    ["FOO=1 grep x y", "an assignment before a read"],
    ["awk '$1 > 3 {print}' f", "a comparison in awk"],
    ["perl -ne 'print if /x/' f", "a perl one-liner that prints"],
    ["echo $(cat x) | wc -l", "command substitution"],
    ["cat <<'EOF'\nhello > there; rm -rf /\nEOF\n", "a heredoc's body is data"],
    ["echo 'unterminated", "an unterminated quote"],
    ["", "nothing"],
    ["/usr/bin/grep -n x f", "a system program by its path"],
  ])("reads: %s (%s)", (command) => {
    expect(commandEffect(command)).toBe("read");
  });

  it.each([
    ["cat <<'EOF' > file.py\nimport x; a > b\nEOF", "a heredoc written to a file"],
    ["echo x > f", "a redirection"],
    ["sed -i 's/a/b/' f", "sed in place"],
    ["sed 's/a/b/w out.txt' f", "sed's w command"],
    ["cd /testbed && python reproduce.py", "running a script"],
    ['python -c "print(1)"', "python code, which can do anything"],
    ["git stash", "stashing"],
    ["git checkout -- file", "a checkout"],
    ["git branch -D x", "deleting a branch"],
    ["find . -name '*.pyc' -delete", "find deleting"],
    ["ls | xargs rm", "xargs running a write"],
    ["awk '{print $1 > \"out\"}' f", "awk printing to a file"],
    ["perl -pi -e 's/a/b/' f", "perl in place"],
    ["pip install -e .", "installing"],
    ["some-unknown-tool --flag", "an unknown command"],
    ["./cat f", "a script named like a read"],
  ])("writes: %s (%s)", (command) => {
    expect(commandEffect(command)).toBe("write");
  });

  // Commands from mini-swe-agent trajectories (SWE-bench Verified, gemini-3-pro; MIT, Copyright
  // (c) 2025 Kilian A. Lieret and Carlos E. Jimenez), as the agent sent them.
  it.each([
    ["nl -ba django/db/models/fields/__init__.py | sed -n '760,775p'", "read"],
    ['ls -R | grep ":$" | head -n 5', "read"],
    ['grep -r "expression must be an expression type" django', "read"],
    ["sed -n '750,800p' django/db/models/sql/compiler.py", "read"],
    ['grep -F \'replace(".[", "[")\' src/_pytest/python.py', "read"],
    ['grep -n "even" sympy/core/assumptions.py | head -n 20', "read"],
    ["git diff", "read"],
    ["sed -i '1341s/)/, simple_col=simple_col)/' django/db/models/sql/query.py", "write"],
    ["python reproduce_issue.py", "write"],
    ["rm reproduce_issue.py", "write"],
    ["./tests/runtests.py constraints", "write"],
    // sympy's test runner: a script, not the shell's `test`.
    ["bin/test sympy/matrices/tests/test_matrices.py", "write"],
    ["echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached", "write"],
    [
      "cat <<'EOF' > reproduce_issue.py\nimport django\nif x > 1:\n    print('>')\nEOF\npython reproduce_issue.py",
      "write",
    ],
  ])("classifies a real command: %s", (command, effect) => {
    expect(commandEffect(command)).toBe(effect);
  });
});

describe("shell tools", () => {
  it("knows shell tool names", () => {
    for (const name of ["bash", "Bash", "run_shell_command", "execute_command", "container.exec"]) {
      expect(SHELL_TOOL_PATTERN.test(name)).toBe(true);
    }
    expect(SHELL_TOOL_PATTERN.test("bash_history_search")).toBe(false);
  });

  it("finds the command in the arguments as instrumentations record them", () => {
    expect(shellCommandOf("ls -la")).toBe("ls -la");
    expect(shellCommandOf('{"command": "cat x"}')).toBe("cat x");
    expect(shellCommandOf({ cmd: "cat y" })).toBe("cat y");
    expect(shellCommandOf({ commands: ["cd a", "ls"] })).toBe("cd a\nls");
    expect(shellCommandOf({ path: "x" })).toBeUndefined();
    expect(shellCommandOf(42)).toBeUndefined();
  });
});
