// PM2 process file for the collector: `npx pm2 start ecosystem.config.cjs` (PM2 is a dev
// dependency; a global pm2 works the same). Settings come from .env, read by Node at every
// (re)start; variables in PM2's environment win over it.
module.exports = {
  apps: [
    {
      name: 'marketpipe-collector',
      cwd: __dirname,
      script: 'apps/collector/bin/marketpipe.js',
      args: 'run',
      // The project's pinned Node 24, not whichever Node runs PM2.
      interpreter: `${__dirname}/node_modules/node/bin/node`,
      node_args: '--env-file-if-exists=.env --no-memory-reducer',
      autorestart: true,
      // One instance only: two collectors would both write the same bars and fight over the health port.
      instances: 1,
      exec_mode: 'fork',
      // PM2 sends SIGINT and kills 1.6 s later by default; the collector needs up to
      // SHUTDOWN_TIMEOUT_MS (4.5 s) to finish its cycle and flush history.
      kill_timeout: 8_000,
      // Well above the steady state (about 300 MB RSS with the default symbols): the history
      // buffer grows while the database refuses writes, and a restart then loses what Redis's
      // window does not also hold.
      max_memory_restart: '1G',
      // A crash loop (Redis or the database misconfigured) backs off instead of spinning.
      exp_backoff_restart_delay: 1_000,
    },
  ],
};
