import { expect } from 'chai';
import { createCostLedger, usageIncrements } from '../../workers/agents/cost-ledger.js';

describe('agent cost ledger: per-process cost, base across restarts, budget', () => {
  it('takes total_cost_usd as the process figure (cumulative, never lower) on top of what earlier processes spent', () => {
    const ledger = createCostLedger();
    ledger.begin(0.5);
    ledger.processStarted();
    ledger.processReported(0.1);
    ledger.processReported(0.3);
    // a stale line with a lower figure does not take money back
    ledger.processReported(0.2);
    expect(ledger.fields()).to.deep.equal({ costBaseUsd: 0.5, processCostUsd: 0.3, costUsd: 0.8 });
    expect(ledger.spentUsd).to.be.closeTo(0.8, 1e-12);
  });

  it('moves the ended process into the base: a restart neither counts twice nor loses money', () => {
    const ledger = createCostLedger();
    ledger.begin(0);
    ledger.processStarted();
    ledger.processReported(0.01);
    ledger.processEnded();
    expect(ledger.fields()).to.deep.equal({ costBaseUsd: 0.01, processCostUsd: 0, costUsd: 0.01 });
    ledger.processStarted();
    // the new process counts from 0 again
    ledger.processReported(0.01);
    expect(ledger.spentUsd).to.be.closeTo(0.02, 1e-12);
  });

  it('is over budget once spent reaches max_budget_usd, and says what is left', () => {
    const ledger = createCostLedger();
    ledger.begin(0.01);
    expect(ledger.overBudget, 'no budget, never over').to.equal(false);
    expect(ledger.remainingUsd).to.equal(undefined);
    ledger.setBudget(0.02);
    expect(ledger.remainingUsd).to.be.closeTo(0.01, 1e-12);
    expect(ledger.overBudget).to.equal(false);
    ledger.processReported(0.01);
    expect(ledger.overBudget).to.equal(true);
    expect(ledger.budgetUsd).to.equal(0.02);
  });

  it('sums tokens per result, missing cache counts as 0, one turn each', () => {
    expect(usageIncrements({ input_tokens: 3, output_tokens: 4 })).to.deep.equal({ inputTokens: 3, outputTokens: 4, cacheReadTokens: 0, cacheCreationTokens: 0, turns: 1 });
    expect(usageIncrements({ input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 5, cache_creation_input_tokens: 6 })).to.include({ cacheReadTokens: 5, cacheCreationTokens: 6 });
  });
});
