/** The contract server lives with the drills, which run it outside the tests too. */
export * from '../../drills/itsm-contract-server';
