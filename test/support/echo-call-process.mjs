// A stand-in call process for agent/transports/twilio/call-processes.test.ts: says it is ready,
// takes one handed-off socket, claims the upgrade's url as a ticket twice, writes what it was
// handed, its pid and the two answers, and exits.
process.send({ type: 'ready' });
const answers = [];
process.on('message', (m, socket) => {
  if (m?.type === 'claimed') {
    answers.push(m.ok);
    return;
  }
  if (m?.type !== 'stream' || !socket) return;
  process.send({ type: 'claim', ticket: m.url });
  process.send({ type: 'claim', ticket: m.url });
  const wait = setInterval(() => {
    if (answers.length < 2) return;
    clearInterval(wait);
    socket.end(`${m.url} ${process.pid} ${answers.join(' ')}\n`, () => process.exit(0));
  }, 5);
});
process.on('disconnect', () => process.exit(0));
