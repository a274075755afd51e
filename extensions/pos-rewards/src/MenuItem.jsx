// pos.customer-details.action.menu-item.render: "Redeem points" in the customer's actions; opens the modal.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

export default async () => {
  render(<MenuItem />, document.body);
};

export function MenuItem() {
  return <s-button onClick={() => shopify.action.presentModal()}>{shopify.i18n.translate('open')}</s-button>;
}
