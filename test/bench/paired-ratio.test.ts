import t from 'tap'
import { pairedRatio } from '../../bench/lib/broker-report.js'

t.test('paired rounds: the ratio of each round to its neighbour, as median (quartiles)', async (t) => {
  // The machine halves its speed half-way through: both brokers slow down together, the ratio does not.
  const aedes = [100, 100, 50, 50, 100]
  const hub = [90, 90, 45, 45, 90]
  t.equal(pairedRatio(hub, aedes), '0.90 (0.90–0.90)', 'a drift that hits both cancels')
  // Round i against round i, not sorted values against sorted values (which would say 0.90 here).
  t.equal(pairedRatio([90, 45], [50, 100]), '1.13 (0.79–1.46)', 'each round against its own neighbour')
  t.equal(pairedRatio([1, 2, 3, 4, 5], [1, 1, 1, 1, 1]), '3.00 (2.00–4.00)', 'quartiles interpolated between rounds')
  t.equal(pairedRatio([2, 4], [1, 1, 1]), '3.00 (2.50–3.50)', 'only rounds both ran')
  t.equal(pairedRatio([], [1]), '—', 'nothing to compare')
  t.equal(pairedRatio([1, 1], [0, 2]), '0.50 (0.50–0.50)', 'a round with nothing measured on the other side is left out')
})
