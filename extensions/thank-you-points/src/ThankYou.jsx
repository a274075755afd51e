// purchase.thank-you.block.render: the order just placed (its points are shown once Perks has seen it paid).
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {OrderPoints} from './OrderPoints.jsx';

export default async () => {
  // A guest's points are read with the order's email (signed in, the token names the customer).
  render(<OrderPoints orderId={shopify.orderConfirmation.value.order.id} email={shopify.buyerIdentity?.email?.value} />, document.body);
};
