// customer-account.order-status.block.render: an order in the customer's account.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {OrderPoints} from './OrderPoints.jsx';

export default async () => {
  render(<OrderPoints orderId={shopify.order.value.id} />, document.body);
};
