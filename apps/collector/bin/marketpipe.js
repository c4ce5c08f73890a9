#!/usr/bin/env node
// Help and usage mistakes are answered from src/cli/usage.ts alone, which Node 24 loads with
// its own type stripping: no tsx, no command module, no dependency. Only a command that will
// run registers tsx (the sources run as they are: no build step that could go stale) and
// imports its own module. An older Node (run directly, not through npm/npx, which use the
// pinned Node 24) cannot strip types, so it gets tsx first: slower, the same CLI.
let tsx = false;
async function registerTsx() {
  if (tsx) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsx = true;
}
if (!process.features.typescript) await registerTsx();

const { USAGE, checkArgs, isCommand } = await import('../src/cli/usage.ts');
const [command, ...args] = process.argv.slice(2);

/** What to print, where, and the exit code, when the command cannot or need not run. */
function answerWithoutRunning() {
  if (command === 'help' || command === '--help' || command === '-h') return { out: process.stdout, text: USAGE, code: 0 };
  if (command === undefined) return { out: process.stderr, text: USAGE, code: 2 };
  if (!isCommand(command)) return { out: process.stderr, text: `marketpipe: unknown command "${command}"\n${USAGE}`, code: 2 };
  const problem = checkArgs(command, args);
  if (problem) return { out: problem.help ? process.stdout : process.stderr, text: problem.message, code: problem.help ? 0 : 2 };
  return undefined;
}

const answer = answerWithoutRunning();
if (answer) {
  answer.out.write(answer.text);
  process.exitCode = answer.code;
} else {
  await registerTsx();
  const { runCommand } = await import('../src/cli/index.ts');
  process.exitCode = await runCommand(command, args);
}
