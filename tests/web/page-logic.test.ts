// The page's pure modules: settings in the URL hash, input checks, formatting,
// and the plot series (smoothing, truncation after a worker restart).
import { describe, expect, it } from 'vitest';
import { AccuracySeries, LossSeries } from '../../web/src/app/series';
import { formatHash, PANELS, parseHash, type Panel } from '../../web/src/app/settings';
import { backpropNoInput, backpropSourceHint, dataFix, networkEmptyCaption, readyText } from '../../web/src/app/texts';
import { DATA_FIX } from '../../web/src/worker/session';
import { LIMITS } from '../../web/src/core/limits';
import { formatDuration } from '../../web/src/ui/format';
import { DEFAULT_SETTINGS, SETTING_CHECKS } from '../../web/src/worker/protocol';

describe('settings in the URL hash', () => {
  it('is empty for the defaults and round-trips every setting', () => {
    expect(formatHash({ settings: DEFAULT_SETTINGS, compare: null, model: 'pretrained', hidden: [] })).toBe('');
    const options = {
      settings: { learningRate: 0.02, batchSize: 8, epochs: 5, activation: 'tanh', pooling: 'max', seed: 7, trainSize: 10000, speed: 200, augment: 'mild' } as const,
      compare: null,
      model: 'training' as const,
      hidden: ['test' as const, 'network' as const],
    };
    const hash = formatHash(options);
    expect(hash).toBe('#lr=0.02&batch=8&epochs=5&f=tanh&pool=max&seed=7&train=10000&speed=200&aug=mild&model=training&hide=test,network');
    expect(parseHash(hash)).toEqual(options);
  });

  it('ignores bad or unknown values', () => {
    const page = parseHash('#lr=-3&batch=0&epochs=0&f=softsign&pool=median&seed=x&train=5&speed=7&aug=lots&model=x&hide=everything,plots&foo=1');
    expect(page).toEqual({ settings: DEFAULT_SETTINGS, compare: null, model: 'pretrained', hidden: ['plots'] });
  });

  it('takes any value in the core\'s ranges from a link, not only what the menus list', () => {
    const page = parseHash('#batch=3&train=2000&epochs=1000');
    expect(page.settings).toMatchObject({ batchSize: 3, trainSize: 2000, epochs: LIMITS.epochs.max });
    expect(parseHash('#epochs=1001').settings.epochs).toBe(DEFAULT_SETTINGS.epochs);
  });
});

describe('input checks', () => {
  it('explain what is wrong', () => {
    const c = SETTING_CHECKS;
    expect(c.learningRate('0.05')).toEqual({ ok: true, value: 0.05 });
    expect(c.learningRate('abc')).toMatchObject({ ok: false, message: expect.stringMatching(/must be a number, e.g. 0.01/) });
    expect(c.learningRate('0')).toEqual({ ok: false, message: 'The learning rate λ must be a number from 0.000001 to 1e+30.' });
    expect(c.learningRate('1e30')).toEqual({ ok: true, value: 1e30 });
    expect(c.epochs('2.5')).toMatchObject({ ok: false });
    expect(c.epochs('1001')).toEqual({ ok: false, message: 'Epochs must be a whole number from 1 to 1,000.' });
    expect(c.batchSize('16')).toEqual({ ok: true, value: 16 });
    expect(c.batchSize('0')).toMatchObject({ ok: false, message: expect.stringMatching(/from 1 to 1,024/) });
    expect(c.seed('4294967295')).toEqual({ ok: true, value: 4294967295 });
    expect(c.seed('-1')).toMatchObject({ ok: false });
    expect(c.trainSize('99')).toMatchObject({ ok: false, message: expect.stringMatching(/from 100 to 60,000/) });
    expect(c.activation('tanh')).toEqual({ ok: true, value: 'tanh' });
    expect(c.activation('softsign')).toMatchObject({ ok: false, message: expect.stringMatching(/relu, tanh, sigmoid/) });
    expect(c.speed('200')).toEqual({ ok: true, value: 200 });
    expect(c.speed('7')).toMatchObject({ ok: false });
  });

  it('formats durations', () => {
    expect(formatDuration(4.2)).toBe('4 s');
    expect(formatDuration(75)).toBe('1 min 15 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
    expect(formatDuration(null)).toBe('–');
  });
});

describe('plot series', () => {
  it('smooths the loss without a start-up bias', () => {
    const s = new LossSeries(0.9);
    s.push(100, 2);
    expect(s.smooth[0]).toBeCloseTo(2, 12); // debiased: the first point is itself
    s.push(200, 1);
    expect(s.smooth[1]).toBeCloseTo((0.9 * 0.1 * 2 + 0.1 * 1) / (0.9 * 0.1 + 0.1), 12);
    s.push(300, NaN); // a diverged point does not poison the line
    expect(s.smooth[2]).toBeCloseTo(s.smooth[1]!, 12);
  });

  it('drops points after a checkpoint, recomputing the smoothing', () => {
    const s = new LossSeries();
    const ref = new LossSeries();
    for (let i = 1; i <= 10; i++) s.push(i * 100, 3 / i);
    for (let i = 1; i <= 6; i++) ref.push(i * 100, 3 / i);
    s.truncateAfter(650);
    expect(s.x).toEqual(ref.x);
    expect(s.smooth).toEqual(ref.smooth);
  });

  it('aligns quick and full accuracy for uPlot', () => {
    const a = new AccuracySeries();
    a.add({ x: 0, accuracy: 0.1, full: false });
    a.add({ x: 2000, accuracy: 0.9, full: false });
    a.add({ x: 2000, accuracy: 0.92, full: true });
    a.add({ x: 4000, accuracy: 0.95, full: false });
    const [x, quick, full] = a.aligned();
    expect(x).toEqual([0, 2000, 4000]);
    expect(quick).toEqual([10, 90, 95]);
    expect(full[0]).toBeNull();
    expect(full[1]).toBeCloseTo(92, 10);
    a.truncateAfter(2000);
    expect(a.points).toHaveLength(3);
  });
});

describe('texts that name only the panels shown (app/texts.ts)', () => {
  const shown = (...panels: Panel[]) => new Set(panels);
  const PANEL_WORDS: [Panel, RegExp][] = [
    ['training', /\bStart\b/],
    ['draw', /draw a digit|your drawing|Drawing with/i],
    ['network', /Inside the network/],
    ['compare', /Compare runs|Start all/],
  ];

  it('the ready line: what can be done first, with the controls that are there', () => {
    expect(readyText(shown(...PANELS))).toBe('Ready: press Start to train the network, or draw a digit.');
    expect(readyText(shown('training', 'plots'))).toBe('Ready: press Start to train the network.');
    expect(readyText(shown('draw', 'network'))).toBe('Ready: draw a digit.');
    expect(readyText(shown('network'))).toBe('Ready: choose a test image in “Inside the network”.');
    expect(readyText(shown('backprop'))).toBe('Ready: press “Step one sample” to watch backprop.');
    expect(readyText(shown('test'))).toBe('Ready: evaluate a network on the 10,000 test images.');
    expect(readyText(shown('plots'))).toBe('Ready.');
    expect(readyText(shown('compare'))).toBe('Ready: compare settings side by side in “Compare runs”.');
    expect(readyText(shown('compare', 'training'))).toBe('Ready: press Start to train the network.');
  });

  it('never names a panel or control that is hidden, for every set of panels', () => {
    for (let mask = 1; mask < 1 << PANELS.length; mask++) {
      const set = shown(...PANELS.filter((_, i) => mask & (1 << i)));
      const texts = [
        readyText(set),
        networkEmptyCaption(set),
        set.has('draw') || set.has('network') ? backpropNoInput(set) : '',
        backpropSourceHint(set) ?? '',
        dataFix('embed', DATA_FIX, set),
        dataFix('page', DATA_FIX, set),
      ].join(' | ');
      for (const [panel, words] of PANEL_WORDS) if (!set.has(panel)) expect(texts, `panels ${[...set].join(',')}`).not.toMatch(words);
    }
  });

  it('the fix for missing MNIST: the checkout\'s command on the page, the host\'s duty in an embed', () => {
    expect(dataFix('page', DATA_FIX, shown(...PANELS))).toBe(DATA_FIX);
    expect(dataFix('page', DATA_FIX, shown('training'))).toBe(DATA_FIX.replace(' Drawing with the pretrained weights still works meanwhile.', ''));
    expect(dataFix('embed', DATA_FIX, shown('training', 'draw'))).toMatch(/^The site that serves cnn-lab\.js must also serve data\/mnist\/\*\.gz next to it .*Access-Control-Allow-Origin.*Drawing with the pretrained weights still works meanwhile\.$/);
  });
});
