import { describe, expect, test } from 'vitest';
import { checkHistory } from '../src/history.js';
describe('checkHistory', () => {
    test('classifies ok, lost, duplicated, unexpected and indeterminate', () => {
        const verdict = checkHistory({
            attempted: ['a', 'b', 'c', 'd', 'e'],
            confirmed: ['a', 'b', 'c', 'd'],
            consumed: ['a', 'c', 'c', 'x', 'e'],
        });
        expect(verdict).toEqual({ ok: 2, lost: ['b', 'd'], duplicated: ['c'], unexpected: ['x'], indeterminate: [], valid: false });
    });
    test('an unconfirmed message never consumed is indeterminate, not lost; a clean history is valid', () => {
        expect(checkHistory({ attempted: ['a', 'b'], confirmed: ['a'], consumed: ['a'] })).toEqual({
            ok: 1,
            lost: [],
            duplicated: [],
            unexpected: [],
            indeterminate: ['b'],
            valid: true,
        });
    });
});
//# sourceMappingURL=history.test.js.map