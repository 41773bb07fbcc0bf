package auth

// An administrator's one-time recovery code (docs/contract.md, "Recovery
// codes"): the console's, `gatehouse user issue-recovery`'s and
// reset-2fa's all go through IssueRecoveryCode.

import "context"

// IssueRecoveryCode issues user one single-use recovery code
// (Recovery.Issue) for an administrator to hand over, once the run, ban
// and lock of the account's recovery codes (FactorRecovery) are ended
// through reg (nil: regulation off): the person asked for it because
// they cannot sign in, and a lock that a guesser with their password
// caused would refuse it, the right code, for up to a day. Guesses at
// the account's codes told nothing of the new one. The account's own ban
// and lock, which the password answers for, are left alone. Before, an
// issued code was refused 429 banned for the rest of such a lock
// (docs/contract.md, "Recovery codes").
func IssueRecoveryCode(ctx context.Context, rec *Recovery, reg *Regulator, user string) (string, error) {
	if reg != nil {
		if err := reg.FactorReplaced(ctx, FactorRecovery, user); err != nil {
			return "", err
		}
	}
	return rec.Issue(ctx, user)
}
